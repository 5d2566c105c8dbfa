import type { Queryable } from '../../database/database';
import type { StoredResource } from '../store/stored-resource';

/** Finds live resources of a type matching a search query string (conditional interactions). */
export interface ResourceMatcher {
  match(q: Queryable, resourceType: string, query: string, limit: number): Promise<StoredResource[]>;
}

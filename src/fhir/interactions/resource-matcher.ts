import type { Queryable } from '../../database/database';
import type { AccessScope } from '../../access/access-scope';
import type { StoredResource } from '../store/stored-resource';

/** Finds live resources of a type matching a search query string (conditional interactions). */
export interface ResourceMatcher {
  /** With a scope, only what the caller may see matches. */
  match(q: Queryable, resourceType: string, query: string, limit: number, scope?: AccessScope): Promise<StoredResource[]>;
}

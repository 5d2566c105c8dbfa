import type { IndexRows } from '../search/index/index-rows';

/** A row of `resource` (current version) or `resource_version` (any version). */
export interface StoredResource {
  rid: string;
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  /** The resource JSON exactly as served, meta included; null for a delete version. */
  content: string | null;
}

export type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One resource version ready to be written: everything computed (meta, JSON text, index rows)
 * before the single batched statement runs, so a Bundle of N entries costs one round trip.
 */
export interface PreparedChange {
  /** true when no row exists yet for (resourceType, id). */
  isNew: boolean;
  rid: string;
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  method: WriteMethod;
  deleted: boolean;
  /** JSON text; for a delete, the tombstone kept in `resource.content` is the last live version. */
  content: string | null;
  index: IndexRows | null;
  /** The parsed resource as written (for hooks); undefined for deletes. */
  resource?: Record<string, unknown>;
}

export const EMPTY_INDEX: IndexRows = Object.freeze({
  token: [],
  string: [],
  date: [],
  reference: [],
  quantity: [],
  number: [],
  uri: [],
  compartments: [],
}) as unknown as IndexRows;

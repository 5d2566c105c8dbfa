import type { IndexRows } from '../search/index/index-rows';
import { encodeRid, partitionOf } from './partition-key';
import type { PreparedChange, StoredResource, WriteMethod } from './stored-resource';

export type FhirJson = Record<string, unknown> & { resourceType: string; id?: string; meta?: Record<string, unknown> };

export interface VersionStamp {
  /** The resource's rid; for a new resource, a value of resource_rid_seq (RidAllocator) that becomes one here. */
  rid: string;
  isNew: boolean;
  id: string;
  versionId: number;
  lastUpdated: Date;
  method: WriteMethod;
}

/**
 * Sets the server-owned parts (id, meta.versionId, meta.lastUpdated; FHIR R4 http.html#update:
 * the server ignores what the client sent for them) and serialises once. The JSON text written
 * here is what every later read serves byte for byte.
 */
export function prepareWrite(
  resource: FhirJson,
  stamp: VersionStamp,
  extract: (r: FhirJson) => IndexRows,
): PreparedChange {
  const { resourceType, id: _ignored, meta, ...rest } = resource;
  const written: FhirJson = {
    resourceType,
    id: stamp.id,
    meta: { ...(meta ?? {}), versionId: String(stamp.versionId), lastUpdated: stamp.lastUpdated.toISOString() },
    ...rest,
  };
  const index = extract(written);
  return {
    isNew: stamp.isNew,
    // The partition is chosen once, at create: an update keeps the rid (partition-key.ts).
    rid: stamp.isNew ? encodeRid(stamp.rid, partitionOf(resourceType, stamp.id, index)) : stamp.rid,
    resourceType,
    id: stamp.id,
    versionId: stamp.versionId,
    lastUpdated: stamp.lastUpdated,
    method: stamp.method,
    deleted: false,
    content: JSON.stringify(written),
    index,
    resource: written,
  };
}

/** A delete is a new version with no content; its index and compartment rows are removed. */
export function prepareDelete(current: StoredResource, lastUpdated: Date): PreparedChange {
  return {
    isNew: false,
    rid: current.rid,
    resourceType: current.resourceType,
    id: current.id,
    versionId: current.versionId + 1,
    lastUpdated,
    method: 'DELETE',
    deleted: true,
    content: null,
    index: null,
  };
}

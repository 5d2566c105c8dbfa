import { isDeepStrictEqual } from 'node:util';
import type { Resource } from '@medplum/fhirtypes';
import type { Database } from '../database/database';
import type { FhirRequestContext } from '../fhir/fhir-context';
import type { FhirJson } from '../fhir/store/prepare-change';
import type { ResourceStore } from '../fhir/store/resource-store';
import type { ResourceWriter } from '../fhir/store/resource-writer';
import type { PreparedChange } from '../fhir/store/stored-resource';

/** One instance at a time writes the package (CONTRACT.md: several may start against one database). */
const PACKAGE_LOCK = 0x4b545046; // 'KTPF'

export interface StoreResult {
  written: string[];
  unchanged: number;
}

/**
 * Writes the package's conformance resources into the one store, under their own ids, so they
 * are read and searched like any resource (`GET /fhir/StructureDefinition/city-patient`); clients
 * cannot write these types. PUT semantics in one transaction: a resource whose content equals the
 * stored current version is skipped, so a restart writes nothing and versions only move when the
 * package changed.
 */
export async function storeConformanceResources(
  db: Database,
  store: ResourceStore,
  writer: ResourceWriter,
  resources: Resource[],
): Promise<StoreResult> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PACKAGE_LOCK]);
    const keys = resources.map((r) => ({ resourceType: r.resourceType, id: r.id as string }));
    const current = await store.lockMany(tx, keys);
    const now = writer.timestamp();
    const changes: PreparedChange[] = [];
    let unchanged = 0;
    for (const r of resources) {
      const stored = current.get(`${r.resourceType}/${r.id}`);
      if (stored && !stored.deleted && sameContent(JSON.parse(stored.content as string), r)) {
        unchanged++;
        continue;
      }
      changes.push(await writer.planUpdate(r as unknown as FhirJson, r.id as string, stored, now));
    }
    await writer.commit(tx, startupContext(), 'update', changes);
    return { written: changes.map((c) => `${c.resourceType}/${c.id}`), unchanged };
  });
}

/** Equal but for what the server sets (meta.versionId, meta.lastUpdated). */
export function sameContent(stored: Record<string, unknown>, resource: object): boolean {
  return isDeepStrictEqual(withoutServerMeta(stored), withoutServerMeta(resource as Record<string, unknown>));
}

function withoutServerMeta(r: Record<string, unknown>): Record<string, unknown> {
  const { meta, ...rest } = r;
  const { versionId: _v, lastUpdated: _l, ...own } = (meta ?? {}) as Record<string, unknown>;
  return Object.keys(own).length ? { ...rest, meta: own } : rest;
}

function startupContext(): FhirRequestContext {
  return { requestId: 'profiles-startup', baseUrl: '' };
}

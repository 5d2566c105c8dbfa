import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../database/database';
import { badRequest, preconditionFailed } from '../errors/fhir-error';
import type { FhirRequestContext } from '../fhir-context';
import type { FhirHooks, Interaction } from '../hooks/fhir-hooks';
import type { IndexRows } from '../search/index/index-rows';
import { writeChanges } from './batch-writer';
import { FhirJson, prepareDelete, prepareWrite } from './prepare-change';
import type { RidAllocator } from './rid-allocator';
import type { PreparedChange, StoredResource, WriteMethod } from './stored-resource';

export interface ResourceCheck {
  /** Throws a FhirError (400/422) when the resource is not valid R4. */
  assertValid(resource: unknown): void;
}

/**
 * Turns write requests into PreparedChanges (validated, stamped, indexed) and commits a list of
 * them with one statement; then the write hooks (audit) run in the same transaction.
 */
export class ResourceWriter {
  /** Checks after R4 validation, added by capabilities (profiles: meta.profile claims). */
  private readonly checks: ResourceCheck[] = [];

  constructor(
    private readonly rids: RidAllocator,
    private readonly validator: ResourceCheck,
    private readonly extract: (r: FhirJson) => IndexRows,
    private readonly hooks: FhirHooks,
    private readonly now: () => Date = () => new Date(),
  ) {}

  addCheck(check: ResourceCheck): void {
    this.checks.push(check);
  }

  /** The clock of one write: a transaction's entries share it. */
  timestamp(): Date {
    return this.now();
  }

  async planCreate(resource: FhirJson, lastUpdated: Date, id: string = randomUUID()): Promise<PreparedChange> {
    const candidate = { ...resource, id };
    this.assertValid(candidate);
    const [rid] = await this.rids.take(1);
    return prepareWrite(candidate, { rid, isNew: true, id, versionId: 1, lastUpdated, method: 'POST' }, this.extract);
  }

  /**
   * Update (or create-on-update, FHIR R4 http.html#upsert) of a resource whose current row, if
   * any, is already locked by the caller.
   */
  async planUpdate(
    resource: FhirJson,
    id: string,
    current: StoredResource | undefined,
    lastUpdated: Date,
    opts: { ifMatch?: number; method?: WriteMethod } = {},
  ): Promise<PreparedChange> {
    checkIfMatch(current, opts.ifMatch);
    const candidate = { ...resource, id };
    this.assertValid(candidate);
    const method = opts.method ?? 'PUT';
    if (!current) {
      const [rid] = await this.rids.take(1);
      return prepareWrite(candidate, { rid, isNew: true, id, versionId: 1, lastUpdated, method }, this.extract);
    }
    return prepareWrite(
      candidate,
      { rid: current.rid, isNew: false, id, versionId: current.versionId + 1, lastUpdated, method },
      this.extract,
    );
  }

  planDelete(current: StoredResource, lastUpdated: Date, ifMatch?: number): PreparedChange {
    checkIfMatch(current, ifMatch);
    return prepareDelete(current, lastUpdated);
  }

  private assertValid(candidate: FhirJson): void {
    this.validator.assertValid(candidate);
    for (const check of this.checks) check.assertValid(candidate);
  }

  async commit(tx: Queryable, ctx: FhirRequestContext, interaction: Interaction, changes: PreparedChange[]): Promise<void> {
    const event = { ctx, interaction, changes };
    await this.hooks.beforeWrite(tx, event);
    await writeChanges(tx, changes);
    await this.hooks.wrote(tx, event);
  }
}

function checkIfMatch(current: StoredResource | undefined, ifMatch: number | undefined): void {
  if (ifMatch === undefined) return;
  if (!current || current.deleted) {
    throw preconditionFailed('If-Match was given but the resource does not exist');
  }
  if (current.versionId !== ifMatch) {
    throw preconditionFailed(`Version mismatch: If-Match names version ${ifMatch}, the current version is ${current.versionId}`);
  }
}

/** `W/"3"`, `"3"` or `3` → 3 (FHIR R4 http.html#concurrency). */
export function parseETag(header: string | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!m) throw badRequest('If-Match must be an ETag of the form W/"<versionId>"');
  return Number(m[1]);
}

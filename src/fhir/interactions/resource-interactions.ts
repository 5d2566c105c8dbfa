import type { Operation } from 'fast-json-patch';
import type { Database, Queryable } from '../../database/database';
import { isUniqueViolation } from '../../database/database';
import { badRequest, conflict, gone, isFhirError, notFound, preconditionFailed } from '../errors/fhir-error';
import type { FhirRequestContext, FhirResponse } from '../fhir-context';
import type { FhirHooks } from '../hooks/fhir-hooks';
import { allOk, readResponse, versionHeaders, writeResponse } from '../http/responses';
import type { FhirJson } from '../store/prepare-change';
import type { ResourceStore } from '../store/resource-store';
import type { ResourceWriter } from '../store/resource-writer';
import type { StoredResource } from '../store/stored-resource';
import { applyJsonPatch } from './json-patch';
import type { ResourceMatcher } from './resource-matcher';
import { assertId, assertType, assertWritableType } from './resource-types';


/**
 * The instance- and type-level interactions of FHIR R4 http.html, over the one store.
 * Every write is one transaction: lock, plan (validate, stamp, index), one batched write, hooks.
 */
export class ResourceInteractions {
  constructor(
    private readonly db: Database,
    private readonly store: ResourceStore,
    private readonly writer: ResourceWriter,
    private readonly matcher: ResourceMatcher,
    private readonly hooks: FhirHooks,
  ) {}

  async read(ctx: FhirRequestContext, type: string, id: string): Promise<FhirResponse> {
    assertType(type);
    assertId(id);
    const found = ctx.accessScope
      ? await this.store.readVisible(type, id, ctx.accessScope)
      : await this.store.read(type, id).then((row) => (row ? { row, visible: true } : undefined));
    if (!found || !found.visible) throw notFound(`${type}/${id} is not known`);
    const r = found.row;
    if (r.deleted) throw deletedError(r);
    await this.hooks.read({ ctx, interaction: 'read', resourceType: type, references: [`${type}/${id}`], rids: [r.rid] });
    return readResponse(r);
  }

  async vread(ctx: FhirRequestContext, type: string, id: string, vid: string): Promise<FhirResponse> {
    assertType(type);
    assertId(id);
    if (!/^\d{1,9}$/.test(vid)) throw badRequest('The version id must be a positive integer');
    const r = await this.store.vread(type, id, Number(vid));
    if (!r || !(await visible(ctx, r))) throw notFound(`Version ${vid} of ${type}/${id} is not known`);
    if (r.deleted) throw deletedError(r);
    await this.hooks.read({ ctx, interaction: 'vread', resourceType: type, references: [`${type}/${id}`], rids: [r.rid] });
    return readResponse(r);
  }

  async create(ctx: FhirRequestContext, type: string, body: FhirJson, ifNoneExist?: string): Promise<FhirResponse> {
    assertWritableType(type);
    assertBodyType(body, type);
    try {
      return await this.createOnce(ctx, type, body, ifNoneExist);
    } catch (e) {
      // Two conditional creates of one identity race: the loser's unique key answers 409;
      // run once more and its condition now finds the winner (FHIR R4 http.html#ccreate).
      if (ifNoneExist && isFhirError(e) && e.status === 409) return this.createOnce(ctx, type, body, ifNoneExist);
      throw e;
    }
  }

  private createOnce(ctx: FhirRequestContext, type: string, body: FhirJson, ifNoneExist?: string): Promise<FhirResponse> {
    return this.db.transaction(async (tx) => {
      if (ifNoneExist) {
        const found = await this.matchOne(tx, type, ifNoneExist, 'If-None-Exist', ctx);
        if (found) {
          // FHIR R4 http.html#ccreate: one match -> 200 with the existing resource, nothing written.
          return { ...writeResponse(ctx, 200, found, true) };
        }
      }
      const change = await this.writer.planCreate(body, this.writer.timestamp());
      await this.writer.commit(tx, ctx, 'create', [change]);
      return writeResponse(ctx, 201, change, true);
    }, ctx);
  }

  async update(ctx: FhirRequestContext, type: string, id: string, body: FhirJson, ifMatch?: number): Promise<FhirResponse> {
    assertWritableType(type);
    assertId(id);
    assertBodyType(body, type);
    if (body.id !== id) throw badRequest('The resource id in the body must equal the id in the URL', [`${type}.id`]);
    return this.retryOnCreateRace(() =>
      this.db.transaction(async (tx) => {
        const current = (await this.store.lockMany(tx, [{ resourceType: type, id }])).get(`${type}/${id}`);
        const change = await this.writer.planUpdate(body, id, current, this.writer.timestamp(), { ifMatch });
        await this.writer.commit(tx, ctx, 'update', [change]);
        return writeResponse(ctx, change.isNew ? 201 : 200, change, change.isNew);
      }, ctx),
    );
  }

  /** PUT [type]?[search] (FHIR R4 http.html#cond-update). */
  async conditionalUpdate(ctx: FhirRequestContext, type: string, query: string, body: FhirJson, ifMatch?: number): Promise<FhirResponse> {
    assertWritableType(type);
    assertBodyType(body, type);
    return this.retryOnCreateRace(() =>
      this.db.transaction(async (tx) => {
        const found = await this.matchOne(tx, type, query, 'The conditional update', ctx);
        if (found && body.id !== undefined && body.id !== found.id) {
          throw badRequest('The resource id in the body does not match the resource found by the condition');
        }
        const id = found?.id ?? (typeof body.id === 'string' ? body.id : undefined);
        if (id !== undefined) assertId(id);
        const current = id ? (await this.store.lockMany(tx, [{ resourceType: type, id }])).get(`${type}/${id}`) : undefined;
        const change = id
          ? await this.writer.planUpdate(body, id, current, this.writer.timestamp(), { ifMatch })
          : await this.writer.planCreate(body, this.writer.timestamp());
        await this.writer.commit(tx, ctx, 'update', [change]);
        return writeResponse(ctx, change.isNew ? 201 : 200, change, change.isNew);
      }, ctx),
    );
  }

  async patch(ctx: FhirRequestContext, type: string, id: string, ops: Operation[], ifMatch?: number): Promise<FhirResponse> {
    assertWritableType(type);
    assertId(id);
    return this.db.transaction(async (tx) => {
      const current = (await this.store.lockMany(tx, [{ resourceType: type, id }])).get(`${type}/${id}`);
      if (!current) throw notFound(`${type}/${id} is not known`);
      if (current.deleted) throw deletedError(current);
      const patched = applyJsonPatch(JSON.parse(current.content as string), ops);
      if (patched.resourceType !== type || patched.id !== id) {
        throw badRequest('A patch may not change resourceType or id');
      }
      const change = await this.writer.planUpdate(patched, id, current, this.writer.timestamp(), { ifMatch, method: 'PATCH' });
      await this.writer.commit(tx, ctx, 'patch', [change]);
      return writeResponse(ctx, 200, change, false);
    }, ctx);
  }

  async delete(ctx: FhirRequestContext, type: string, id: string, ifMatch?: number): Promise<FhirResponse> {
    assertWritableType(type);
    assertId(id);
    return this.db.transaction(async (tx) => {
      const current = (await this.store.lockMany(tx, [{ resourceType: type, id }])).get(`${type}/${id}`);
      if (!current) throw notFound(`${type}/${id} is not known`);
      if (current.deleted) {
        // Deleting a deleted resource changes nothing (FHIR R4 http.html#delete: idempotent).
        return { status: 200, headers: versionHeaders(current), body: allOk(`${type}/${id} was already deleted`) };
      }
      const change = this.writer.planDelete(current, this.writer.timestamp(), ifMatch);
      await this.writer.commit(tx, ctx, 'delete', [change]);
      return { status: 200, headers: versionHeaders(change), body: allOk(`Deleted ${type}/${id}`) };
    }, ctx);
  }

  private async matchOne(tx: Queryable, type: string, query: string, what: string, ctx: FhirRequestContext): Promise<StoredResource | undefined> {
    const q = query.startsWith('?') ? query.slice(1) : query.includes('?') ? query.slice(query.indexOf('?') + 1) : query;
    if (!q.trim()) throw badRequest(`${what} needs search criteria`);
    const found = await this.matcher.match(tx, type, q, 2, ctx.accessScope);
    if (found.length > 1) throw preconditionFailed(`${what} matched more than one resource`);
    return found[0];
  }

  /**
   * Two concurrent create-on-update requests for one new id: the loser's INSERT hits the unique
   * key. Running it again sees the winner's row and becomes an ordinary update.
   */
  private async retryOnCreateRace<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isUniqueViolation(e, 'resource_key_pkey')) {
        try {
          return await fn();
        } catch (e2) {
          if (isUniqueViolation(e2, 'resource_key_pkey')) throw conflict('The resource was created concurrently');
          throw e2;
        }
      }
      throw e;
    }
  }
}

/** Outside the caller's reach answers 404, as if it did not exist (CONTRACT.md). */
async function visible(ctx: FhirRequestContext, r: StoredResource): Promise<boolean> {
  return !ctx.accessScope || ctx.accessScope.canSee(r);
}

export function assertBodyType(body: FhirJson, type: string): void {
  if (body.resourceType !== type) {
    throw badRequest(`The body's resourceType must be ${type}`, ['resourceType']);
  }
}

function deletedError(r: StoredResource) {
  const e = gone(`${r.resourceType}/${r.id} was deleted`);
  Object.assign(e.headers, versionHeaders(r));
  return e;
}

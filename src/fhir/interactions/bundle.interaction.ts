import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../database/database';
import { badRequest, FhirError, isFhirError, notFound } from '../errors/fhir-error';
import type { FhirRequestContext, FhirResponse } from '../fhir-context';
import type { FhirRequest } from '../fhir-request';
import { bundleJson, RawEntry } from '../http/bundle-json';
import { versionHeaders } from '../http/responses';
import type { FhirJson } from '../store/prepare-change';
import type { ResourceStore } from '../store/resource-store';
import type { ResourceWriter } from '../store/resource-writer';
import { parseETag } from '../store/resource-writer';
import type { PreparedChange, StoredResource } from '../store/stored-resource';
import { collectConditionalReferences, ParsedEntry, parseEntries, rewriteReferences } from './bundle-entries';
import type { ResourceMatcher } from './resource-matcher';
import { assertBodyType } from './resource-interactions';
import { assertId, assertWritableType } from './resource-types';

export type Dispatch = (ctx: FhirRequestContext, req: FhirRequest) => Promise<FhirResponse>;

/** Azure caps Bundles at 500 entries (LESSONS.md); we take more but not without bound. */
const MAX_ENTRIES = 10_000;
/** FHIR R4 http.html#trules: DELETE, then POST, then PUT/PATCH, then GET/HEAD. */
const ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

export class BundleInteraction {
  constructor(
    private readonly db: Database,
    private readonly store: ResourceStore,
    private readonly writer: ResourceWriter,
    private readonly matcher: ResourceMatcher,
    private readonly dispatch: () => Dispatch,
    private readonly authorize: () => (ctx: FhirRequestContext, req: FhirRequest) => void = () => () => undefined,
  ) {}

  async process(ctx: FhirRequestContext, bundle: FhirJson): Promise<FhirResponse> {
    if (bundle.resourceType !== 'Bundle') throw badRequest('POST to the base takes a Bundle', ['resourceType']);
    const entries = parseEntries(bundle, ctx.baseUrl);
    if (entries.length > MAX_ENTRIES) throw badRequest(`A Bundle may hold at most ${MAX_ENTRIES} entries`);
    if (bundle.type === 'transaction') return this.transaction(ctx, entries);
    if (bundle.type === 'batch') return this.batch(ctx, entries);
    throw badRequest('Bundle.type must be batch or transaction', ['Bundle.type']);
  }

  /** Each entry on its own; a failing entry answers its own OperationOutcome. */
  private async batch(ctx: FhirRequestContext, entries: ParsedEntry[]): Promise<FhirResponse> {
    const out: RawEntry[] = [];
    for (const e of entries) {
      try {
        const res = await this.dispatch()(ctx, entryRequest(e));
        out.push(responseEntry(res));
      } catch (err) {
        if (!isFhirError(err)) throw err;
        out.push({ response: { status: String(err.status), outcome: err.outcome } });
      }
    }
    return { status: 200, body: bundleJson({ type: 'batch-response', entries: out }) };
  }

  /** All or nothing, in one database transaction (FHIR R4 http.html#transaction). */
  private async transaction(ctx: FhirRequestContext, entries: ParsedEntry[]): Promise<FhirResponse> {
    checkNoOverlap(entries);
    return this.db.transaction(async (tx) => {
      const now = this.writer.timestamp();
      const refs = new Map<string, string>();
      const results = new Map<number, RawEntry>();
      const ids = new Map<number, string>();

      // Every entry passes the role table, as if it were its own request.
      for (const e of entries) await inEntry(e, async () => this.authorize()(ctx, entryRequest(e)));
      // Identities first, so every urn:uuid can be rewritten before anything is validated.
      for (const e of entries) {
        await inEntry(e, async () => {
          if (e.method === 'POST') {
            assertWritableType(e.type);
            requireResource(e);
            if (e.ifNoneExist) {
              const found = await this.matchOne(tx, e.type, e.ifNoneExist, ctx);
              if (found) {
                results.set(e.index, existingEntry(ctx, found));
                if (e.fullUrl) refs.set(e.fullUrl, `${e.type}/${found.id}`);
                return;
              }
            }
            const id = randomUUID();
            ids.set(e.index, id);
            if (e.fullUrl) refs.set(e.fullUrl, `${e.type}/${id}`);
          } else if (e.method === 'PUT' && e.query !== undefined && e.id === undefined) {
            requireResource(e);
            const found = await this.matchOne(tx, e.type, e.query, ctx);
            const id = found?.id ?? (typeof e.resource!.id === 'string' ? e.resource!.id : randomUUID());
            ids.set(e.index, id);
            if (e.fullUrl) refs.set(e.fullUrl, `${e.type}/${id}`);
          } else if (e.id !== undefined && e.fullUrl) {
            refs.set(e.fullUrl, `${e.type}/${e.id}`);
          }
        });
      }
      for (const cond of collectConditionalReferences(entries.map((e) => e.resource))) {
        const [type, query] = [cond.slice(0, cond.indexOf('?')), cond.slice(cond.indexOf('?') + 1)];
        const found = await this.matcher.match(tx, type, query, 2, ctx.accessScope);
        if (found.length !== 1) {
          throw new FhirError(found.length ? 412 : 400, {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: found.length ? 'multiple-matches' : 'not-found', diagnostics: `A conditional reference to ${type} matched ${found.length === 0 ? 'nothing' : 'more than one resource'}` }],
          });
        }
        refs.set(cond, `${type}/${found[0].id}`);
      }
      for (const e of entries) if (e.resource) rewriteReferences(e.resource, refs);

      const targets = entries
        .filter((e) => ['PUT', 'PATCH', 'DELETE'].includes(e.method))
        .map((e) => ({ resourceType: e.type, id: e.id ?? ids.get(e.index) ?? '' }))
        .filter((k) => k.id);
      const current = await this.store.lockMany(tx, targets);
      const changes: PreparedChange[] = [];
      const sorted = [...entries].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index);
      for (const e of sorted) {
        if (results.has(e.index) || e.method === 'GET' || e.method === 'HEAD') continue;
        await inEntry(e, async () => {
          const change = await this.planEntry(e, ids.get(e.index), current, now);
          if (!change) {
            results.set(e.index, { response: { status: '204' } });
            return;
          }
          changes.push(change);
          results.set(e.index, writtenEntry(ctx, e, change));
        });
      }
      await this.writer.commit(tx, ctx, 'transaction', changes);
      for (const e of sorted) {
        if (e.method !== 'GET' && e.method !== 'HEAD') continue;
        await inEntry(e, async () => results.set(e.index, await this.readInTransaction(tx, ctx, e)));
      }
      const out = entries.map((e) => results.get(e.index) as RawEntry);
      if (ctx.preferReturn === 'minimal') out.forEach((r) => delete r.resource);
      return { status: 200, body: bundleJson({ type: 'transaction-response', entries: out }) };
    }, ctx);
  }

  private async planEntry(
    e: ParsedEntry,
    assignedId: string | undefined,
    current: Map<string, StoredResource>,
    now: Date,
  ): Promise<PreparedChange | undefined> {
    const ifMatch = parseETag(e.ifMatch);
    switch (e.method) {
      case 'POST':
        assertBodyType(e.resource!, e.type);
        return this.writer.planCreate(e.resource!, now, assignedId);
      case 'PUT': {
        assertWritableType(e.type);
        const resource = requireResource(e);
        assertBodyType(resource, e.type);
        const id = e.id ?? assignedId!;
        assertId(id);
        if (e.id !== undefined && resource.id !== e.id) throw badRequest('The resource id must equal the id in request.url');
        return this.writer.planUpdate(resource, id, current.get(`${e.type}/${id}`), now, { ifMatch });
      }
      case 'DELETE': {
        assertWritableType(e.type);
        if (e.id === undefined) throw badRequest('Conditional delete is not supported in a transaction');
        const cur = current.get(`${e.type}/${e.id}`);
        if (!cur) throw notFound(`${e.type}/${e.id} is not known`);
        if (cur.deleted) return undefined;
        return this.writer.planDelete(cur, now, ifMatch);
      }
      default:
        throw badRequest(`${e.method} entries are not supported in a transaction; use a batch`);
    }
  }

  private async readInTransaction(tx: Queryable, ctx: FhirRequestContext, e: ParsedEntry): Promise<RawEntry> {
    if (e.id === undefined || e.versionId !== undefined || e.query !== undefined) {
      return responseEntry(await this.dispatch()(ctx, entryRequest(e)));
    }
    const r = await this.store.read(e.type, e.id, tx);
    if (!r || r.deleted) throw notFound(`${e.type}/${e.id} is not known`);
    return { resource: r.content, response: { status: '200', etag: `W/"${r.versionId}"`, lastModified: r.lastUpdated.toISOString() } };
  }

  private async matchOne(tx: Queryable, type: string, query: string, ctx: FhirRequestContext): Promise<StoredResource | undefined> {
    const q = query.includes('?') ? query.slice(query.indexOf('?') + 1) : query;
    const found = await this.matcher.match(tx, type, q, 2, ctx.accessScope);
    if (found.length > 1) {
      throw new FhirError(412, {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'multiple-matches', diagnostics: 'The condition matched more than one resource' }],
      });
    }
    return found[0];
  }
}

function requireResource(e: ParsedEntry): FhirJson {
  if (!e.resource) throw badRequest(`${e.method} needs a resource`);
  return e.resource;
}

/** Two entries naming the same resource make the transaction ambiguous (FHIR R4 http.html#trules). */
function checkNoOverlap(entries: ParsedEntry[]): void {
  const seen = new Set<string>();
  for (const e of entries) {
    const keys: string[] = [];
    if (e.fullUrl) keys.push(`fullUrl:${e.fullUrl}`);
    if (e.method !== 'GET' && e.method !== 'HEAD' && e.method !== 'POST' && e.id) keys.push(`${e.type}/${e.id}`);
    for (const k of keys) {
      if (seen.has(k)) throw badRequest(`Bundle.entry[${e.index}] names a resource that another entry also names`);
      seen.add(k);
    }
  }
}

async function inEntry<T>(e: ParsedEntry, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isFhirError(err)) throw err;
    const issues = err.outcome.issue.map((i) => ({
      ...i,
      diagnostics: `Bundle.entry[${e.index}]: ${i.diagnostics ?? ''}`.trim(),
      expression: i.expression?.map((x) => {
        const inner = x.replace(/^[A-Z][A-Za-z]+(\.|$)/, '');
        return `Bundle.entry[${e.index}].resource${inner ? `.${inner}` : ''}`;
      }),
    }));
    throw new FhirError(err.status, { resourceType: 'OperationOutcome', issue: issues }, err.headers);
  }
}

function entryRequest(e: ParsedEntry): FhirRequest {
  const [path, rawQuery = ''] = e.url.split('?', 2) as [string, string?];
  return {
    method: e.method,
    path: path.split('/').filter(Boolean),
    query: new URLSearchParams(rawQuery),
    rawQuery,
    body: e.resource,
    contentType: 'application/fhir+json',
    ifMatch: e.ifMatch,
    ifNoneExist: e.ifNoneExist,
  };
}

function responseEntry(res: FhirResponse): RawEntry {
  const h = res.headers ?? {};
  const entry: RawEntry = {
    response: {
      status: String(res.status),
      location: h.Location,
      etag: h.ETag,
      lastModified: h['Last-Modified'] ? new Date(h['Last-Modified']).toISOString() : undefined,
    },
  };
  const text = Buffer.isBuffer(res.body) ? res.body.toString('utf8') : res.body;
  if (typeof text === 'string') {
    if (text.startsWith('{"resourceType":"OperationOutcome"')) entry.response!.outcome = JSON.parse(text);
    else entry.resource = text;
  } else if (res.body) {
    const b = res.body as { resourceType?: string };
    if (b.resourceType === 'OperationOutcome') entry.response!.outcome = b;
    else entry.resource = JSON.stringify(b);
  }
  return entry;
}

function writtenEntry(ctx: FhirRequestContext, e: ParsedEntry, c: PreparedChange): RawEntry {
  const h = versionHeaders(c);
  const status = c.deleted ? '204' : c.isNew ? '201' : '200';
  return {
    fullUrl: c.deleted ? undefined : `${ctx.baseUrl}/${c.resourceType}/${c.id}`,
    resource: c.content,
    response: {
      status,
      location: c.deleted ? undefined : `${c.resourceType}/${c.id}/_history/${c.versionId}`,
      etag: h.ETag,
      lastModified: c.lastUpdated.toISOString(),
    },
  };
}

function existingEntry(ctx: FhirRequestContext, r: StoredResource): RawEntry {
  return {
    fullUrl: `${ctx.baseUrl}/${r.resourceType}/${r.id}`,
    resource: r.content,
    response: { status: '200', location: `${r.resourceType}/${r.id}/_history/${r.versionId}`, etag: `W/"${r.versionId}"`, lastModified: r.lastUpdated.toISOString() },
  };
}

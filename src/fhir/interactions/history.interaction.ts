import { badRequest, notFound } from '../errors/fhir-error';
import type { FhirRequestContext, FhirResponse } from '../fhir-context';
import type { FhirHooks, Interaction } from '../hooks/fhir-hooks';
import { bundleJson, RawEntry } from '../http/bundle-json';
import type { Queryable } from '../../database/database';
import type { HistoryQuery, ResourceStore } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';
import { assertId, assertType } from './resource-types';

const DEFAULT_COUNT = 20;
const MAX_COUNT = 1000;

/**
 * Instance, type and system history (FHIR R4 http.html#history), newest first, paged by a
 * keyset cursor (`_before=<lastUpdated>~<rid>~<version>`) so page N costs what page 1 costs.
 */
export class HistoryInteraction {
  constructor(
    private readonly store: ResourceStore,
    private readonly hooks: FhirHooks,
    /** Where lag-tolerant reads go (a replica that has the caller's writes, or the primary). */
    private readonly reader: (ctx: FhirRequestContext) => Queryable | undefined = () => undefined,
  ) {}

  async history(
    ctx: FhirRequestContext,
    params: URLSearchParams,
    type?: string,
    id?: string,
  ): Promise<FhirResponse> {
    if (type) assertType(type);
    if (id !== undefined) assertId(id);
    const count = parseCount(params.get('_count'));
    const query: HistoryQuery = { resourceType: type, id, count, scope: ctx.accessScope };
    const since = params.get('_since');
    if (since) query.since = parseInstant(since, '_since');
    const at = params.get('_at');
    if (at) query.at = parseInstant(at, '_at');
    const cursor = params.get('_before');
    if (cursor) query.before = parseCursor(cursor);

    if (id !== undefined && type && ctx.accessScope) {
      const current = await this.store.read(type, id);
      if (!current || !(await ctx.accessScope.canSee(current))) throw notFound(`${type}/${id} is not known`);
    }
    const { entries } = await this.store.history(query, this.reader(ctx));
    const page = entries.slice(0, count);
    const path = [type, id, '_history'].filter((p) => p !== undefined).join('/');
    const selfUrl = `${ctx.baseUrl}/${path}`;
    const keep = new URLSearchParams();
    for (const k of ['_count', '_since', '_at']) {
      const v = params.get(k);
      if (v) keep.set(k, v);
    }
    const link = [{ relation: 'self', url: withQuery(selfUrl, params) }];
    if (entries.length > count && page.length > 0) {
      const last = page[page.length - 1];
      const next = new URLSearchParams(keep);
      next.set('_before', `${last.lastUpdated.toISOString()}~${last.rid}~${last.versionId}`);
      link.push({ relation: 'next', url: withQuery(selfUrl, next) });
    }
    const interaction: Interaction = id !== undefined ? 'history-instance' : type ? 'history-type' : 'history-system';
    await this.hooks.read({
      ctx,
      interaction,
      resourceType: type,
      references: page.map((e) => `${e.resourceType}/${e.id}`),
      rids: [...new Set(page.map((e) => e.rid))],
      query: params.toString(),
    });
    return {
      status: 200,
      body: bundleJson({ type: 'history', link, entries: page.map((e) => historyEntry(ctx, e)) }),
    };
  }
}

function historyEntry(ctx: FhirRequestContext, e: StoredResource): RawEntry {
  const url = `${e.resourceType}/${e.id}`;
  const method = e.deleted ? 'DELETE' : e.versionId === 1 ? 'POST' : 'PUT';
  return {
    fullUrl: `${ctx.baseUrl}/${url}`,
    resource: e.deleted ? undefined : e.content,
    request: { method, url: method === 'POST' ? e.resourceType : url },
    response: {
      status: e.deleted ? '204' : e.versionId === 1 ? '201' : '200',
      etag: `W/"${e.versionId}"`,
      lastModified: e.lastUpdated.toISOString(),
    },
  };
}

function withQuery(url: string, params: URLSearchParams): string {
  const q = params.toString();
  return q ? `${url}?${q}` : url;
}

export function parseCount(raw: string | null): number {
  if (raw === null || raw === '') return DEFAULT_COUNT;
  if (!/^\d{1,7}$/.test(raw)) throw badRequest('_count must be a non-negative integer');
  return Math.min(Number(raw), MAX_COUNT);
}

function parseInstant(raw: string, name: string): Date {
  const d = new Date(raw);
  if (!/^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.test(raw) || Number.isNaN(d.getTime())) {
    throw badRequest(`${name} must be a FHIR instant`);
  }
  return d;
}

function parseCursor(raw: string): HistoryQuery['before'] {
  const [lu, rid, v] = raw.split('~');
  const d = new Date(lu);
  if (Number.isNaN(d.getTime()) || !/^\d+$/.test(rid ?? '') || !/^\d+$/.test(v ?? '')) {
    throw badRequest('_before is not a valid paging cursor');
  }
  return { lastUpdated: d, rid, versionId: Number(v) };
}

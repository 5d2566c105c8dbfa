import type { Database, Queryable } from '../../database/database';
import { issuesOutcome } from '../errors/fhir-error';
import type { FhirRequestContext, FhirResponse } from '../fhir-context';
import type { SearchHandler } from '../fhir-router';
import type { FhirHooks } from '../hooks/fhir-hooks';
import { bundleJson, type RawEntry } from '../http/bundle-json';
import { assertType } from '../interactions/resource-types';
import { partitionOfPatient } from '../store/partition-key';
import { CompileScope } from './compile/compile-filter';
import { pinnedPatient } from './compile/partition-bound';
import { subsetter } from './elements';
import { type FoundRow, findIncludes, MAX_INCLUDES } from './include';
import { type Cursor, decodeCursor, encodeCursor } from './paging';
import { CURSOR_PARAM, parseSearch } from './parse/parse-search';
import type { SearchParameterRegistry } from './registry/search-parameter-registry';
import { type MatchRow, SearchQuery } from './search-query';
import type { SearchRequest } from './search-request';

/**
 * FHIR R4 search (search.html) over the one store: parse -> compile to SQL -> one page query
 * (keyset paged) -> includes -> audit hook -> a searchset Bundle assembled around the stored
 * JSON text.
 *
 * Bundle.total (`_total`): `accurate` counts; `estimate` takes the planner's estimate; `none`
 * omits it. Without `_total` it is given only when it costs nothing (the first page holds every
 * match) or for `_count=0` / `_summary=count`; a COUNT over a large match set would cost more
 * than the page itself.
 */
export class SearchService implements SearchHandler {
  constructor(
    private readonly db: Database,
    private readonly registry: SearchParameterRegistry,
    private readonly hooks: FhirHooks,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Search tolerates replica lag (CONTRACT.md): a replica that has the caller's own writes, or the primary. */
  private readerFor(ctx: FhirRequestContext): Queryable {
    return this.db.reader(ctx);
  }

  async search(ctx: FhirRequestContext, type: string | undefined, params: URLSearchParams): Promise<FhirResponse> {
    if (type) assertType(type);
    const now = this.now();
    const req = parseSearch(this.registry, type, params, { strict: ctx.preferHandling === 'strict', baseUrl: ctx.baseUrl, now });
    const db = this.readerFor(ctx);
    const patient = pinnedPatient(req.resourceTypes, req.filters);
    const scope = (pkeys?: readonly number[]) =>
      new CompileScope(ctx.baseUrl, now, ctx.accessScope, pkeys && patient !== undefined ? (p) => (p === patient ? pkeys : undefined) : undefined);
    const cursor0 = req.cursor;

    if (req.summary === 'count') {
      const query = new SearchQuery(req, scope(patient === undefined ? undefined : await this.partitionsOf(db, patient)));
      const total = await query.count(db);
      await this.audit(ctx, req, []);
      return this.answer({ total, link: [this.link(ctx, req, 'self')], entries: [] });
    }

    // A pinned search first assumes the patient's own partition and learns in the same statement
    // whether any resource moved to the patient lies elsewhere (rare); only then is it run again
    // over those partitions too (partitionsOf).
    let query = new SearchQuery(req, scope(patient === undefined ? undefined : [partitionOfPatient(patient)]));
    let cursor = cursor0 === undefined ? undefined : decodeCursor(cursor0, req.identity, query.keys);
    let rows = req.count === 0 ? [] : await query.page(db, req.count + 1, cursor, patient);
    if (patient !== undefined && req.count > 0 && (rows.length === 0 ? await this.hasMoved(db, patient) : rows[0].kt_moved !== '0')) {
      query = new SearchQuery(req, scope(await this.partitionsOf(db, patient)));
      cursor = cursor0 === undefined ? undefined : decodeCursor(cursor0, req.identity, query.keys);
      rows = await query.page(db, req.count + 1, cursor);
    } else if (patient !== undefined && req.count === 0) {
      query = new SearchQuery(req, scope(await this.partitionsOf(db, patient)));
    }
    const more = rows.length > req.count;
    const page = more ? (cursor?.direction === 'previous' ? rows.slice(1) : rows.slice(0, req.count)) : rows;
    const total = await this.total(db, req, query, page.length, !cursor && !more);
    const { rows: included, truncated } = await findIncludes(db, query.scope, page, req.include);

    await this.audit(ctx, req, [...page, ...included]);
    return this.answer({
      total,
      link: this.links(ctx, req, query, page, cursor, more),
      entries: [...this.entries(ctx, req, page, included), ...this.outcomeEntry(req, truncated)],
    });
  }

  /**
   * A search pinned to one patient is bounded to the partitions that can hold its matches: the
   * patient's, and those where a resource moved to the patient by an update kept its rid
   * (batch-writer.ts). One small indexed lookup.
   */
  private async partitionsOf(db: Queryable, patient: string): Promise<number[]> {
    const moved = await db.query<{ pkey: number }>({ name: 'kt_moved', text: 'SELECT pkey FROM resource_moved WHERE patient_id = $1', values: [patient] });
    return [partitionOfPatient(patient), ...moved.rows.map((r) => r.pkey)];
  }

  private async hasMoved(db: Queryable, patient: string): Promise<boolean> {
    const res = await db.query({ name: 'kt_has_moved', text: 'SELECT 1 FROM resource_moved WHERE patient_id = $1 LIMIT 1', values: [patient] });
    return (res.rowCount ?? 0) > 0;
  }

  private async total(db: Queryable, req: SearchRequest, query: SearchQuery, onPage: number, everything: boolean): Promise<number | undefined> {
    if (req.total === 'none') return undefined;
    if (everything && req.count > 0) return onPage;
    if (req.total === 'accurate' || (req.total === undefined && req.count === 0)) return query.count(db);
    if (req.total === 'estimate') return query.estimate(db);
    return undefined;
  }

  private links(ctx: FhirRequestContext, req: SearchRequest, query: SearchQuery, page: MatchRow[], cursor: Cursor | undefined, more: boolean) {
    const link = [this.link(ctx, req, 'self', req.cursor)];
    if (cursor) link.push(this.link(ctx, req, 'first'));
    const anchor = (row: MatchRow, direction: Cursor['direction']) =>
      encodeCursor({ direction, values: query.cursorValues(row), rid: row.rid }, req.identity);
    const back = cursor?.direction === 'previous';
    if (page.length > 0 && (back || more)) link.push(this.link(ctx, req, 'next', anchor(page[page.length - 1], 'next')));
    if (page.length > 0 && (back ? more : !!cursor)) link.push(this.link(ctx, req, 'previous', anchor(page[0], 'previous')));
    return link;
  }

  private link(ctx: FhirRequestContext, req: SearchRequest, relation: string, cursor?: string): { relation: string; url: string } {
    const q = new URLSearchParams(req.query);
    if (cursor) {
      q.delete('_count');
      q.append('_count', String(req.count));
      q.append(CURSOR_PARAM, cursor);
    }
    const path = req.system ? ctx.baseUrl : `${ctx.baseUrl}/${req.resourceTypes[0]}`;
    const text = q.toString();
    return { relation, url: text ? `${path}?${text}` : path };
  }

  /** `_summary`/`_elements` subset the matches; included resources are served whole. */
  private entries(ctx: FhirRequestContext, req: SearchRequest, page: FoundRow[], included: FoundRow[]): RawEntry[] {
    const subset = subsetter(req.summary, req.elements);
    const entry = (r: FoundRow, mode: 'match' | 'include'): RawEntry => ({
      fullUrl: `${ctx.baseUrl}/${r.resource_type}/${r.id}`,
      resource: subset && mode === 'match' ? subset(r.resource_type, r.content) : r.content,
      search: { mode },
    });
    return [...page.map((r) => entry(r, 'match')), ...included.map((r) => entry(r, 'include'))];
  }

  /** R4 search.html#errors: what was ignored is said in an OperationOutcome entry (mode outcome). */
  private outcomeEntry(req: SearchRequest, truncated: boolean): RawEntry[] {
    const issues = req.ignored.map((name) => ({
      severity: 'warning' as const,
      code: 'not-supported' as const,
      diagnostics: `Search parameter ignored (unknown or not supported): ${name.replace(/[^A-Za-z0-9\-._:]/g, '?').slice(0, 100)}`,
    }));
    if (truncated) {
      issues.push({ severity: 'warning', code: 'not-supported', diagnostics: `Included resources were cut at ${MAX_INCLUDES} for this page` });
    }
    if (issues.length === 0) return [];
    return [{ resource: JSON.stringify(issuesOutcome(issues)), search: { mode: 'outcome' } }];
  }

  private answer(b: { total?: number; link: { relation: string; url: string }[]; entries: RawEntry[] }): FhirResponse {
    return { status: 200, body: bundleJson({ type: 'searchset', total: b.total, link: b.link, entries: b.entries }) };
  }

  /** Fail closed: the audit hook runs (and must succeed) before any data is sent. */
  private async audit(ctx: FhirRequestContext, req: SearchRequest, rows: FoundRow[]): Promise<void> {
    await this.hooks.read({
      ctx,
      interaction: req.system ? 'search-system' : 'search-type',
      resourceType: req.system ? undefined : req.resourceTypes[0],
      references: rows.map((r) => `${r.resource_type}/${r.id}`),
      rids: rows.map((r) => r.rid),
      query: new URLSearchParams(req.query).toString(),
    });
  }
}

import type { Queryable } from '../../database/database';
import { StatementNames } from '../../database/statement-names';
import { CompileScope, matchConditions, patientDriven } from './compile/compile-filter';
import { ridKey, type SortKey, sortKeys } from './compile/sort';
import { type FoundRow, resourceColumns } from './include';
import { type Cursor, keysetCondition } from './paging';
import type { SearchRequest } from './search-request';
import { Cast, col, eq, type Expr, Raw, Scalar, Select, toSql, val } from './sql/sql';

/** Patient-driven search SQL shapes, named so PostgreSQL plans each once per connection. */
export const SEARCH_STATEMENTS = new StatementNames('kt_search');

/** A matched row with the text of its sort-key values (k0, k1, ...) for the next cursor. */
export type MatchRow = FoundRow & Record<string, string | null>;

/**
 * The SQL of one search over `resource r`: the match conditions compiled once, then the page,
 * the count and the estimate built from them.
 */
export class SearchQuery {
  readonly where: Expr[];
  readonly keys: SortKey[];
  readonly rid: SortKey;
  /** Page and count run as prepared statements (see statementName). */
  readonly prepared: boolean;

  constructor(readonly req: SearchRequest, readonly scope: CompileScope) {
    this.where = matchConditions(req.resourceTypes, req.filters, scope);
    this.prepared = patientDriven(req.resourceTypes, req.filters, scope);
    this.keys = sortKeys(req.sort, 'r', scope.nextAlias);
    this.rid = ridKey(this.keys, 'r');
  }

  /**
   * Up to `limit` rows after (or before) the cursor, in page order. Going back, the order is
   * reversed for the scan (NULLS FIRST) and restored here.
   */
  async page(db: Queryable, limit: number, cursor?: Cursor, movedTo?: string): Promise<MatchRow[]> {
    const back = cursor?.direction === 'previous';
    const q = resourceColumns(new Select('resource', 'r'), 'r');
    this.keys.forEach((k, i) => q.expr(new Cast(k.expr, 'text'), `k${i}`));
    // `kt_moved`: how many partitions besides its own hold resources moved to this patient (an
    // InitPlan, run once), so a pinned search needs no lookup of its own first (SearchService).
    if (movedTo !== undefined) q.expr(new Scalar(new Select('resource_moved', 'mv').expr(new Raw('count(*)')).where(eq(col('mv', 'patient_id'), val(movedTo)))), 'kt_moved');
    q.where(...this.where);
    if (cursor) q.where(keysetCondition(this.keys, this.rid, cursor));
    q.orderBy(...[...this.keys, this.rid].map((k) => ({ expr: k.expr, descending: k.descending !== back, nullsFirst: k.nullable ? back : undefined })));
    q.limit(limit);
    const { text, values } = toSql(q);
    const rows = (await db.query<MatchRow>({ name: this.statementName(text), text, values })).rows;
    return back ? rows.reverse() : rows;
  }

  async count(db: Queryable): Promise<number> {
    const { text, values } = toSql(new Select('resource', 'r').expr(new Raw('count(*)::int'), 'n').where(...this.where));
    return (await db.query<{ n: number }>({ name: this.statementName(text), text, values })).rows[0].n;
  }

  /**
   * A patient-driven search (matchConditions) is prepared: its plan starts from the patient's rows
   * whatever the values, so one generic plan serves every patient, code and date, and planning over
   * the partitioned tables (longer than running: docs/EXPLAIN.md) is paid once per connection. Any
   * other search is planned for its values on every call: a generic plan could start from a code
   * with millions of rows (measured 5.4 ms against 0.43 ms at 100k, BENCHMARKS.md, search).
   */
  private statementName(text: string): string | undefined {
    return this.prepared ? SEARCH_STATEMENTS.nameOf(text) : undefined;
  }

  /** `_total=estimate`: the planner's row estimate (Medplum's approach), no scan. */
  async estimate(db: Queryable): Promise<number> {
    const { text, values } = toSql(new Select('resource', 'r').where(...this.where));
    const res = await db.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
    return Math.round(res.rows[0]['QUERY PLAN'][0].Plan['Plan Rows']);
  }

  /** The cursor values of a row (its sort keys as text, and its rid). */
  cursorValues(row: MatchRow): (string | null)[] {
    return this.keys.map((_k, i) => row[`k${i}`] ?? null);
  }
}

import type { AccessScope } from '../../../access/access-scope';
import { missingPredicate, type PredicateTarget, typeCondition } from '../predicates/predicate';
import { strategyFor, tableFor } from '../predicates/strategies';
import type { ChainFilter, Filter, HasFilter } from '../search-request';
import { pinning, ridBound } from './partition-bound';
import { col, eq, type Expr, Fragment, InSubquery, Or, Raw, Row, Select, val } from '../sql/sql';

/** What compiling needs besides the filters: fresh aliases, the base URL, the caller's scope. */
export class CompileScope {
  private n = 0;

  constructor(
    readonly baseUrl: string,
    readonly now: Date,
    private readonly accessScope?: AccessScope,
    /** The partitions holding a pinned patient's matches (partition-bound.ts); unset: never bound. */
    readonly partitionsOf?: (patientId: string) => readonly number[] | undefined,
  ) {}

  nextAlias = (): string => `x${++this.n}`;

  /**
   * The caller's access predicate on the `resource` row `alias`, ANDed into every query over
   * resource rows (matches, totals, includes, chain targets, `_has` sources) so nothing leaks.
   */
  access(alias: string): Expr[] {
    const scope = this.accessScope;
    if (!scope) return [];
    return [new Fragment((bind) => scope.predicate(alias, bind) ?? 'true')];
  }
}

/** A `resource` row being filtered: its alias and the type(s) it can have. */
export interface RowRef {
  alias: string;
  types: readonly string[];
  /** Set when every match lies in one partition: the bound, for the index subqueries too. */
  ridBound?: (alias: string) => Expr;
  /** The filter is checked on rows another condition found (PredicateTarget.probe). */
  probe?: boolean;
}

export function compileFilter(f: Filter, row: RowRef, scope: CompileScope): Expr {
  if (f.kind === 'chain') return compileChain(f, row, scope);
  if (f.kind === 'has') return compileHas(f, row, scope);
  const target: PredicateTarget = {
    alias: row.alias,
    resourceTypes: row.types,
    def: f.def,
    nextAlias: scope.nextAlias,
    baseUrl: scope.baseUrl,
    now: scope.now,
    ridBound: row.ridBound,
    probe: row.probe,
  };
  if (f.modifier === 'missing') return missingPredicate(tableFor(f.def)!, target, f.values as boolean[]);
  return strategyFor(f.def)!.build(f.values, f.modifier, target);
}

/** Live, visible rows of `type` matching `filter`: the inner side of chains and `_has`. */
function matchingRows(type: string, filter: Filter, column: 'id' | 'rid', scope: CompileScope): Select {
  const t = scope.nextAlias();
  return new Select('resource', t)
    .col(column)
    .where(eq(col(t, 'resource_type'), val(type)), new Raw(`NOT ${t}.deleted`), compileFilter(filter, { alias: t, types: [type] }, scope), ...scope.access(t));
}

/**
 * `subject:Patient.name=x`: our rows whose reference points at a matching target. Driven from
 * the (usually few) targets through the index that leads with target_id.
 */
function compileChain(f: ChainFilter, row: RowRef, scope: CompileScope): Expr {
  return new Or(
    f.targets.map(({ type, filter }) => {
      const x = scope.nextAlias();
      const refs = new Select('sp_reference', x)
        .col('rid')
        .where(
          new InSubquery(col(x, 'target_id'), matchingRows(type, filter, 'id', scope)),
          eq(col(x, 'target_type'), val(type)),
          typeCondition(col(x, 'resource_type'), row.types),
          eq(col(x, 'param'), val(f.def.code)),
        );
      return new InSubquery(col(row.alias, 'rid'), refs);
    }),
  );
}

/** `_has:Observation:patient:code=x`: our rows that some matching Observation refers to. */
function compileHas(f: HasFilter, row: RowRef, scope: CompileScope): Expr {
  const x = scope.nextAlias();
  const refs = new Select('sp_reference', x)
    .where(
      new InSubquery(col(x, 'rid'), matchingRows(f.sourceType, f.filter, 'rid', scope)),
      eq(col(x, 'resource_type'), val(f.sourceType)),
      eq(col(x, 'param'), val(f.def.code)),
      typeCondition(col(x, 'target_type'), row.types),
    );
  if (row.types.length === 1) return new InSubquery(col(row.alias, 'id'), refs.col('target_id'));
  return new InSubquery(new Row([col(row.alias, 'resource_type'), col(row.alias, 'id')]), refs.col('target_type').col('target_id'));
}

/**
 * Every condition on the matched `resource` rows (alias `r`): type, live, filters, access; and,
 * when the search pins the patient that decides the partition, the partition's rid range on `r`
 * and on each index subquery (the planner does not carry a range across `r.rid = x.rid`), so a
 * patient's search plans and runs over one partition (docs/SCALING.md).
 *
 * A pinned search is driven from the patient's rows: the pinning filter is the one semi-join, and
 * every other parameter is a fenced probe on each of those rows (PredicateTarget.probe). Its cost
 * is then bounded by the patient's own resources of the type, whatever the values, which is what
 * lets it run as a prepared statement with one generic plan (SearchQuery.statementName): planned
 * without its values, PostgreSQL cannot tell a patient's 49 Observations from a code's millions.
 */
export function matchConditions(types: readonly string[], filters: Filter[], scope: CompileScope, alias = 'r'): Expr[] {
  const pin = pinning(types, filters);
  const pkeys = pin === undefined ? undefined : scope.partitionsOf?.(pin.patient);
  const bound = pkeys === undefined ? undefined : (a: string) => ridBound(a, pkeys);
  const row: RowRef = { alias, types, ridBound: bound };
  const probe: RowRef = { ...row, probe: true };
  return [
    typeCondition(col(alias, 'resource_type'), types),
    new Raw(`NOT ${alias}.deleted`),
    ...(bound ? [bound(alias)] : []),
    ...filters.map((f) => compileFilter(f, bound && f !== pin?.filter ? probe : row, scope)),
    ...scope.access(alias),
  ];
}

/**
 * True when matchConditions drives this search from one patient's rows and nothing else could
 * start the plan: pinned and bounded, and every other filter a parameter (probes), not a chain or
 * `_has` (their subqueries stay joins the planner may start from).
 */
export function patientDriven(types: readonly string[], filters: readonly Filter[], scope: CompileScope): boolean {
  const pin = pinning(types, filters);
  if (pin === undefined || scope.partitionsOf?.(pin.patient) === undefined) return false;
  return filters.every((f) => f === pin.filter || f.kind === 'param');
}

import { badRequest } from '../../errors/fhir-error';
import { sanitize } from '../../interactions/resource-types';
import type { SearchParameterDef } from '../registry/search-parameter-def';
import { AnyOf, col, eq, Exists, type Expr, InSubquery, Raw, Select, val } from '../sql/sql';

/** Where a predicate applies: the `resource` row under `alias`, of one of `resourceTypes`. */
export interface PredicateTarget {
  alias: string;
  /** One type, except for a system search over several. */
  resourceTypes: readonly string[];
  def: SearchParameterDef;
  /** A fresh alias for a subquery (x1, x2, ...), so nested subqueries never shadow each other. */
  nextAlias(): string;
  /** This server's base URL: absolute references under it are local (R4 search.html#reference). */
  baseUrl: string;
  /** The instant `ap` is measured from. */
  now: Date;
  /** When every match lies in one partition: its bound on an index table's rid (partition-bound.ts). */
  ridBound?: (alias: string) => Expr;
  /**
   * Another condition drives the search (the pinned patient's rows, compile-filter.ts): this one
   * is only checked on each of those rows, by rid, and never chosen to start from.
   */
  probe?: boolean;
}

/**
 * One SearchParameter type (STYLE.md: one predicate builder per type): how its values parse
 * and how a parameter with OR'ed values becomes SQL. Parsing throws 400 for a value of the wrong
 * form, so the compiler only ever sees valid values.
 */
export interface ParameterStrategy<V = unknown> {
  /** Modifiers understood besides `:missing`, which every indexed type takes. */
  readonly modifiers: readonly string[];
  parse(raw: string, modifier: string | undefined, def: SearchParameterDef, ctx: ParseContext): V;
  /** The values of one parameter occurrence, OR'ed (R4 search.html#combining). */
  build(values: V[], modifier: string | undefined, target: PredicateTarget): Expr;
}

export interface ParseContext {
  baseUrl: string;
  now: Date;
}

export type IndexTable = 'sp_token' | 'sp_string' | 'sp_date' | 'sp_reference' | 'sp_quantity' | 'sp_number' | 'sp_uri';

export function typeCondition(column: Expr, types: readonly string[]): Expr {
  return types.length === 1 ? eq(column, val(types[0])) : new AnyOf(column, val([...types], 'text[]'));
}

/** The index rows of this parameter for the target's type(s): `x.resource_type = $ AND x.param = $`. */
function indexRows(table: IndexTable, target: PredicateTarget, x: string): Select {
  const q = new Select(table, x).where(typeCondition(col(x, 'resource_type'), target.resourceTypes), eq(col(x, 'param'), val(target.def.code)));
  return target.ridBound ? q.where(target.ridBound(x)) : q;
}

/**
 * `r.rid IN (SELECT x.rid FROM sp_x x WHERE x.resource_type = $ AND x.param = $ AND cond)`: a
 * semi-join the planner can drive from the narrow index table or probe by rid, as statistics say;
 * for a probe (see PredicateTarget.probe), a fenced correlated EXISTS.
 */
export function indexMatch(table: IndexTable, target: PredicateTarget, cond: (x: string) => Expr): Expr {
  const x = target.nextAlias();
  if (target.probe) {
    // EXISTS (... x.rid = r.rid ... OFFSET 0): a subplan per driving row, through the index that
    // ends in rid; whatever its values, a prepared (generic) plan cannot start from it.
    return new Exists(indexRows(table, target, x).where(eq(col(x, 'rid'), col(target.alias, 'rid')), cond(x)).fence());
  }
  return new InSubquery(col(target.alias, 'rid'), indexRows(table, target, x).col('rid').where(cond(x)));
}

/**
 * `NOT EXISTS (SELECT 1 FROM sp_x x WHERE x.rid = r.rid AND x.param = $ AND cond)`: an anti-join
 * probing the rid index, for `:not` and `:missing=true` (R4: a resource with no value matches).
 */
export function indexAbsent(table: IndexTable, target: PredicateTarget, cond?: (x: string) => Expr): Expr {
  const x = target.nextAlias();
  const q = new Select(table, x).where(eq(col(x, 'rid'), col(target.alias, 'rid')), eq(col(x, 'param'), val(target.def.code)));
  if (target.ridBound) q.where(target.ridBound(x));
  if (cond) q.where(cond(x));
  return new Exists(q, true);
}

/** R4 search.html#missing: `:missing=true` has no value for the parameter, `false` has one. */
export function missingPredicate(table: IndexTable, target: PredicateTarget, values: boolean[]): Expr {
  const wantMissing = values[0];
  if (values.some((v) => v !== wantMissing)) return new Raw('true');
  return wantMissing ? indexAbsent(table, target) : indexMatch(table, target, () => new Raw('true'));
}

export function parseMissing(raw: string): boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw badRequest(':missing takes true or false');
}

export function unsupportedModifier(def: SearchParameterDef, modifier: string): Error {
  return badRequest(`Modifier :${sanitize(modifier)} is not supported for ${def.type} parameter ${sanitize(def.code)}`);
}

/** LIKE pattern text for a literal (PostgreSQL's default LIKE escape is the backslash). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

import type { Queryable } from '../database/database';
import type { PreparedChange } from '../fhir/store/stored-resource';

/**
 * What a caller may see, compiled into SQL (STYLE.md: access is part of the query, so counts,
 * paging and includes never leak). Search, includes, history, $everything and export AND the
 * predicate into every query over `resource` rows.
 */
export interface AccessScope {
  /** Stable name of the predicate's shape (for prepared statements and logs), e.g. `clinician`. */
  readonly kind: string;
  /**
   * A SQL boolean expression over the `resource` row aliased `alias` (columns rid,
   * resource_type, id, ...), with values bound through `bind` (returns `$n`); or undefined when
   * the caller may see every row.
   */
  predicate(alias: string, bind: (value: unknown) => string): string | undefined;
  /** Whether one already-loaded resource is visible (reads by id, vread, instance history). */
  canSee(resource: { rid: string; resourceType: string; id: string }, q?: Queryable): Promise<boolean>;
  /**
   * Before a write commits: the caller must see the resource as it was and every patient whose
   * compartment the new version enters; else 404 (the resource is outside their reach).
   */
  assertWritable(tx: Queryable, changes: PreparedChange[]): Promise<void>;
}

import { LEGACY_RID_END, PARTITION_PARAMS, ridRange } from '../../store/partition-key';
import type { ReferenceValue } from '../predicates/reference.predicate';
import type { Filter } from '../search-request';
import { type Expr, Raw } from '../sql/sql';

/**
 * The patient a search pins through the parameter that decides the partition
 * (partition-key.ts, PARTITION_PARAMS): `Observation?patient=X` or `subject=Patient/X`. Every
 * match then lies in X's partition, the legacy one, or one where a resource moved to X by an
 * update stayed (`resource_moved`). Undefined otherwise: the search visits every partition.
 */
export function pinnedPatient(types: readonly string[], filters: readonly Filter[]): string | undefined {
  return pinning(types, filters)?.patient;
}

/** The pinned patient and the filter that pins it (the one a pinned search is driven from). */
export function pinning(types: readonly string[], filters: readonly Filter[]): { patient: string; filter: Filter } | undefined {
  if (types.length !== 1) return undefined;
  const params = PARTITION_PARAMS[types[0]];
  if (!params) return undefined;
  for (const f of filters) {
    if (f.kind !== 'param' || f.def.type !== 'reference' || !params.includes(f.def.code)) continue;
    if (f.modifier !== undefined && f.modifier !== 'Patient') continue;
    const onlyTarget = f.def.target?.length === 1 ? f.def.target[0] : undefined;
    const ids = new Set<string>();
    for (const v of f.values as ReferenceValue[]) {
      if (!('id' in v) || (v.type ?? onlyTarget) !== 'Patient') {
        ids.clear();
        break;
      }
      ids.add(v.id);
    }
    if (ids.size === 1) return { patient: [...ids][0], filter: f };
  }
  return undefined;
}

/**
 * `alias.rid` within the partitions, or below 2^48 (rows written before partitioning). Literal
 * bounds, so PostgreSQL prunes the other partitions while planning, also in a generic plan.
 */
export function ridBound(alias: string, pkeys: readonly number[]): Expr {
  const ranges = [...new Set(pkeys)].sort((a, b) => a - b).map((k) => {
    const { lo, hi } = ridRange(k);
    return ` OR (${alias}.rid >= ${lo} AND ${alias}.rid < ${hi})`;
  });
  return new Raw(`(${alias}.rid < ${LEGACY_RID_END}${ranges.join('')})`);
}

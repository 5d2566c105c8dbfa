import { tableFor } from '../predicates/strategies';
import type { SortSpec } from '../search-request';
import { Call, col, eq, type Expr, Raw, Scalar, Select, type SqlCast, val } from '../sql/sql';

/** One ORDER BY key of the matched rows and how its value travels in a cursor. */
export interface SortKey {
  expr: Expr;
  cast: Extract<SqlCast, 'text' | 'timestamptz' | 'numeric' | 'bigint'>;
  /** Parameter keys are NULL for resources without a value; those sort last either way. */
  nullable: boolean;
  descending: boolean;
}

/**
 * The key of a parameter sort (R4 search.html#sort): a resource with several values sorts by
 * its smallest ascending and its largest descending, as HAPI and Medplum do; a date by the
 * start of its range ascending and the end descending.
 */
function parameterKey(spec: SortSpec, alias: string, nextAlias: () => string): SortKey {
  const def = spec.def!;
  const table = tableFor(def)!;
  const x = nextAlias();
  const agg = spec.descending ? 'max' : 'min';
  let value: Expr;
  let cast: SortKey['cast'] = 'text';
  switch (def.type) {
    case 'string':
      value = col(x, 'norm');
      break;
    case 'token':
      value = col(x, 'code');
      break;
    case 'date':
      value = col(x, spec.descending ? 'high' : 'low');
      cast = 'timestamptz';
      break;
    case 'number':
    case 'quantity':
      value = col(x, 'value');
      cast = 'numeric';
      break;
    case 'reference':
      value = new Raw(`coalesce(${x}.target_type || '/' || ${x}.target_id, ${x}.url)`);
      break;
    default:
      value = col(x, 'value');
  }
  const q = new Select(table, x).expr(new Call(agg, [value])).where(eq(col(x, 'rid'), col(alias, 'rid')), eq(col(x, 'param'), val(def.code)));
  return { expr: new Scalar(q), cast, nullable: true, descending: spec.descending };
}

export function sortKeys(sort: SortSpec[], alias: string, nextAlias: () => string): SortKey[] {
  return sort.map((s) => {
    if (s.code === '_id') return { expr: col(alias, 'id'), cast: 'text', nullable: false, descending: s.descending };
    if (s.code === '_lastUpdated') return { expr: col(alias, 'last_updated'), cast: 'timestamptz', nullable: false, descending: s.descending };
    return parameterKey(s, alias, nextAlias);
  });
}

/**
 * The rid tie-break that makes the order total (keyset paging needs one). It follows the last
 * key's direction so `_sort=-_lastUpdated` is one backward scan of (resource_type, last_updated, rid).
 */
export function ridKey(keys: SortKey[], alias: string): SortKey {
  return { expr: col(alias, 'rid'), cast: 'bigint', nullable: false, descending: keys.length > 0 && keys[keys.length - 1].descending };
}

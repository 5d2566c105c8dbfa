import { badRequest } from '../../errors/fhir-error';
import { sanitize } from '../../interactions/resource-types';
import { fitIndexed, MAX_NORM_LENGTH } from '../index/index-limits';
import { normalizeString } from '../index/normalize-string';
import { unescape } from '../parse/search-value';
import { And, AnyOf, col, Condition, eq, type Expr, Or, val } from '../sql/sql';
import { escapeLike, indexMatch, type ParameterStrategy } from './predicate';

export interface StringValue {
  /** normalizeString of the value, cut like the index column. */
  norm: string;
  /** The value as given, for :exact. */
  exact: string;
}

/**
 * R4 search.html#string: by default a case- and accent-insensitive "starts with" on the
 * normalized text (index `(resource_type, param, norm text_pattern_ops)`); `:contains` anywhere
 * in it (pg_trgm GIN index); `:exact` the value as written, compared on the indexed norm first.
 */
export const stringStrategy: ParameterStrategy<StringValue> = {
  modifiers: ['exact', 'contains'],
  parse(raw, modifier, def) {
    const exact = unescape(raw);
    const norm = fitIndexed(normalizeString(exact), MAX_NORM_LENGTH);
    if (!norm && modifier !== 'exact') throw badRequest(`${sanitize(def.code)} needs some text`);
    return { norm, exact };
  },
  build(values, modifier, target) {
    return indexMatch('sp_string', target, (x) => stringConditions(x, values, modifier));
  },
};

export function stringConditions(x: string, values: StringValue[], modifier: string | undefined): Expr {
  const norm = col(x, 'norm');
  if (modifier === 'exact') {
    const norms = [...new Set(values.map((v) => v.norm))];
    const byNorm = norms.length === 1 ? eq(norm, val(norms[0])) : new AnyOf(norm, val(norms, 'text[]'));
    const exacts = [...new Set(values.map((v) => v.exact))];
    return new And([byNorm, exacts.length === 1 ? eq(col(x, 'exact'), val(exacts[0])) : new AnyOf(col(x, 'exact'), val(exacts, 'text[]'))]);
  }
  const pattern = (v: StringValue) => (modifier === 'contains' ? `%${escapeLike(v.norm)}%` : `${escapeLike(v.norm)}%`);
  return new Or(values.map((v) => new Condition(norm, 'LIKE', val(pattern(v)))));
}

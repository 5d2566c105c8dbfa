import { fitIndexed, MAX_URI_LENGTH } from '../index/index-limits';
import { unescape } from '../parse/search-value';
import { AnyOf, Call, col, eq, type Expr, Or, val } from '../sql/sql';
import { indexMatch, type ParameterStrategy } from './predicate';

/**
 * R4 search.html#uri: equality by default; `:below` the indexed URI starts with the value,
 * `:above` the value starts with the indexed URI (both on the text, no URL parsing).
 */
export function uriConditions(x: string, values: string[], modifier: string | undefined): Expr {
  const v = col(x, 'value');
  if (modifier === 'below') return new Or(values.map((u) => new Call('starts_with', [v, val(u)])));
  if (modifier === 'above') return new Or(values.map((u) => new Call('starts_with', [val(u), v])));
  const unique = [...new Set(values)];
  return unique.length === 1 ? eq(v, val(unique[0])) : new AnyOf(v, val(unique, 'text[]'));
}

export const uriStrategy: ParameterStrategy<string> = {
  modifiers: ['below', 'above'],
  parse: (raw, modifier) => {
    const value = unescape(raw);
    // :above compares against whole indexed values, which are never longer than the bound.
    return modifier === 'above' ? value : fitIndexed(value, MAX_URI_LENGTH);
  },
  build(values, modifier, target) {
    return indexMatch('sp_uri', target, (x) => uriConditions(x, values, modifier));
  },
};

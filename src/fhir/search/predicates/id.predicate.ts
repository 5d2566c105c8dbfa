import { unescape } from '../parse/search-value';
import { AnyOf, col, eq, val } from '../sql/sql';
import type { ParameterStrategy } from './predicate';

/** `_id` (R4 search.html#id): the `resource.id` column, OR'ed values as one `= ANY($)`. */
export const idStrategy: ParameterStrategy<string> = {
  modifiers: [],
  parse: (raw) => unescape(raw),
  build(values, _modifier, target) {
    const unique = [...new Set(values)];
    const id = col(target.alias, 'id');
    return unique.length === 1 ? eq(id, val(unique[0])) : new AnyOf(id, val(unique, 'text[]'));
  },
};

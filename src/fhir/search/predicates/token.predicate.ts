import { badRequest } from '../../errors/fhir-error';
import { sanitize } from '../../interactions/resource-types';
import { fitIndexed, MAX_TOKEN_LENGTH } from '../index/index-limits';
import { normalizeString } from '../index/normalize-string';
import { splitEscaped, unescape } from '../parse/search-value';
import { And, AnyOf, col, Condition, eq, type Expr, IsNull, Or, val } from '../sql/sql';
import { escapeLike, indexAbsent, indexMatch, type ParameterStrategy, type PredicateTarget } from './predicate';

/**
 * R4 search.html#token. `system` undefined = any system; null = no system (`|code`).
 * `text` is set for `:text` only.
 */
export interface TokenValue {
  system?: string | null;
  code?: string;
  text?: string;
}

export function parseToken(raw: string, modifier: string | undefined, what: string): TokenValue {
  if (modifier === 'text') {
    const text = normalizeString(unescape(raw));
    if (!text) throw badRequest(`${what}:text needs some text`);
    return { text };
  }
  const parts = splitEscaped(raw, '|');
  if (parts.length > 2) throw badRequest(`${what} takes [system|]code`);
  if (parts.length === 1) return { code: fit(unescape(parts[0])) };
  const system = unescape(parts[0]);
  const code = unescape(parts[1]);
  if (!system && !code) throw badRequest(`${what} needs a system or a code`);
  const value: TokenValue = { system: system ? fit(system) : null };
  if (code) value.code = fit(code);
  return value;
}

function fit(s: string): string {
  return fitIndexed(s, MAX_TOKEN_LENGTH);
}

/** One token value as a condition on an sp_token row. */
function tokenCondition(x: string, v: TokenValue): Expr {
  if (v.text !== undefined) {
    // Words of the display/text: "heart" finds "Heart rate" and "Resting heart rate".
    const p = escapeLike(v.text);
    return new Or([new Condition(col(x, 'text'), 'LIKE', val(`${p}%`)), new Condition(col(x, 'text'), 'LIKE', val(`% ${p}%`))]);
  }
  const parts: Expr[] = [];
  if (v.code !== undefined) parts.push(eq(col(x, 'code'), val(v.code)));
  if (v.system === null) parts.push(new IsNull(col(x, 'system')));
  else if (v.system !== undefined) parts.push(eq(col(x, 'system'), val(v.system)));
  return new And(parts);
}

/**
 * The OR of several values over one index table row. Codes go first as one `code = ANY($)`
 * so a long OR list stays a single index scan (LESSONS.md: OR lists defeating indexes); the
 * exact system checks then filter the few rows found.
 */
export function tokenConditions(x: string, values: TokenValue[]): Expr {
  const codeOnly = values.every((v) => v.code !== undefined && v.system === undefined && v.text === undefined);
  const codes = [...new Set(values.map((v) => v.code))];
  if (codeOnly) return codes.length === 1 ? eq(col(x, 'code'), val(codes[0])) : new AnyOf(col(x, 'code'), val(codes, 'text[]'));
  const exact = new Or(values.map((v) => tokenCondition(x, v)));
  if (values.every((v) => v.code !== undefined) && codes.length > 1) {
    return new And([new AnyOf(col(x, 'code'), val(codes, 'text[]')), exact]);
  }
  return exact;
}

export const tokenStrategy: ParameterStrategy<TokenValue> = {
  modifiers: ['not', 'text'],
  parse: (raw, modifier, def) => parseToken(raw, modifier, sanitize(def.code)),
  build(values, modifier, target: PredicateTarget) {
    // :not is "no value of this parameter matches", which includes having no value at all.
    if (modifier === 'not') return indexAbsent('sp_token', target, (x) => tokenConditions(x, values));
    return indexMatch('sp_token', target, (x) => tokenConditions(x, values));
  },
};

import { badRequest } from '../../errors/fhir-error';
import { sanitize } from '../../interactions/resource-types';
import { dateRange } from '../index/date-range';
import { type Prefix, splitPrefix } from '../parse/search-value';
import { And, col, Condition, type Expr, Not, Or, val } from '../sql/sql';
import { indexMatch, type ParameterStrategy } from './predicate';

/** The search value's own range (R4 search.html#date: a partial date covers its whole period). */
export interface DateValue {
  prefix: Prefix;
  low: Date;
  high: Date;
}

// `+03:00` arrives as ` 03:00` when the client did not percent-encode the `+`.
const UNENCODED_PLUS_ZONE = / (\d{2}:\d{2})$/;

export function parseDate(raw: string, what: string, now: Date): DateValue {
  const { prefix, rest } = splitPrefix(raw);
  const range = dateRange(rest.replace(UNENCODED_PLUS_ZONE, '+$1'));
  if (!range) throw badRequest(`${what} needs a FHIR date, dateTime or instant, optionally after a prefix (eq, ne, gt, lt, ge, le, sa, eb, ap)`);
  if (prefix !== 'ap') return { prefix, ...range };
  // ap: "approximately" is the server's call (R4 search.html#prefix); 10% of the distance from
  // now, as the specification suggests, and never less than the value's own precision.
  const gap = Math.abs(now.getTime() - (range.low.getTime() + range.high.getTime()) / 2) * 0.1;
  return { prefix, low: new Date(range.low.getTime() - gap), high: new Date(range.high.getTime() + gap) };
}

/**
 * R4 search.html#prefix for ranges: the target [low, high] against the search range [ql, qh].
 * ge and le are rewritten so a plain bound leads (`high >= ql`, `low <= qh`), which an index on
 * (resource_type, param, high) or (..., low) can range-scan; the forms are equivalent because
 * low <= high and ql <= qh:
 *   ge: high > qh OR (low >= ql AND high <= qh)  ==  high >= ql AND (high > qh OR low >= ql)
 *   le: low < ql OR (low >= ql AND high <= qh)   ==  low <= qh AND (low < ql OR high <= qh)
 */
export function dateCondition(v: DateValue, low: Expr, high: Expr): Expr {
  const ql = () => val(v.low.toISOString(), 'timestamptz');
  const qh = () => val(v.high.toISOString(), 'timestamptz');
  const c = (l: Expr, op: '<' | '<=' | '>' | '>=', r: Expr) => new Condition(l, op, r);
  const within = () => new And([c(low, '>=', ql()), c(low, '<=', qh()), c(high, '<=', qh())]);
  switch (v.prefix) {
    case 'eq':
      return within();
    case 'ne':
      return new Not(within());
    case 'gt':
      return c(high, '>', qh());
    case 'lt':
      return c(low, '<', ql());
    case 'ge':
      return new And([c(high, '>=', ql()), new Or([c(high, '>', qh()), c(low, '>=', ql())])]);
    case 'le':
      return new And([c(low, '<=', qh()), new Or([c(low, '<', ql()), c(high, '<=', qh())])]);
    case 'sa':
      return c(low, '>', qh());
    case 'eb':
      return c(high, '<', ql());
    case 'ap':
      return new And([c(low, '<=', qh()), c(high, '>=', ql())]);
  }
}

export const dateStrategy: ParameterStrategy<DateValue> = {
  modifiers: [],
  parse: (raw, _modifier, def, ctx) => parseDate(raw, sanitize(def.code), ctx.now),
  build(values, _modifier, target) {
    return indexMatch('sp_date', target, (x) => new Or(values.map((v) => dateCondition(v, col(x, 'low'), col(x, 'high')))));
  },
};

/** `_lastUpdated`: the same comparisons on the `resource.last_updated` instant (a point range). */
export const lastUpdatedStrategy: ParameterStrategy<DateValue> = {
  modifiers: [],
  parse: (raw, _modifier, _def, ctx) => parseDate(raw, '_lastUpdated', ctx.now),
  build(values, _modifier, target) {
    const lu = col(target.alias, 'last_updated');
    return new Or(values.map((v) => dateCondition(v, lu, lu)));
  },
};

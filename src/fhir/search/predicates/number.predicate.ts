import { sanitize } from '../../interactions/resource-types';
import { parseSearchNumber, type Prefix, type SearchNumber, splitPrefix } from '../parse/search-value';
import { And, Arith, Call, col, Condition, type Expr, Not, Or, Raw, val } from '../sql/sql';
import { indexMatch, type ParameterStrategy } from './predicate';

export interface NumberValue extends SearchNumber {
  prefix: Prefix;
}

export function parseNumber(raw: string, what: string): NumberValue {
  const { prefix, rest } = splitPrefix(raw);
  return { prefix, ...parseSearchNumber(rest, what) };
}

/**
 * R4 search.html#number with prefixes: `eq` (no prefix) is the value's implicit precision range
 * [v - half, v + half); gt/lt/ge/le compare with the value itself; sa/eb act as gt/lt on a point;
 * ap is within 10% of the value.
 */
export function numberCondition(v: NumberValue, column: Expr): Expr {
  const n = () => val(v.text, 'numeric');
  const half = () => val(v.half, 'numeric');
  const tenth = () => new Arith(new Call('abs', [n()]), '*', new Raw('0.1'));
  const c = (op: '<' | '<=' | '>' | '>=', right: Expr) => new Condition(column, op, right);
  const within = () => new And([c('>=', new Arith(n(), '-', half())), c('<', new Arith(n(), '+', half()))]);
  switch (v.prefix) {
    case 'eq':
      return within();
    case 'ne':
      return new Not(within());
    case 'gt':
    case 'sa':
      return c('>', n());
    case 'lt':
    case 'eb':
      return c('<', n());
    case 'ge':
      return c('>=', n());
    case 'le':
      return c('<=', n());
    case 'ap':
      return new And([c('>=', new Arith(n(), '-', tenth())), c('<=', new Arith(n(), '+', tenth()))]);
  }
}

export const numberStrategy: ParameterStrategy<NumberValue> = {
  modifiers: [],
  parse: (raw, _modifier, def) => parseNumber(raw, sanitize(def.code)),
  build(values, _modifier, target) {
    return indexMatch('sp_number', target, (x) => new Or(values.map((v) => numberCondition(v, col(x, 'value')))));
  },
};

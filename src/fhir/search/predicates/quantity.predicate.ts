import { badRequest } from '../../errors/fhir-error';
import { sanitize } from '../../interactions/resource-types';
import { fitIndexed, MAX_TOKEN_LENGTH } from '../index/index-limits';
import { splitEscaped, unescape } from '../parse/search-value';
import { And, col, eq, type Expr, Or, val } from '../sql/sql';
import { type NumberValue, numberCondition, parseNumber } from './number.predicate';
import { indexMatch, type ParameterStrategy } from './predicate';

export interface QuantityValue {
  number: NumberValue;
  system?: string;
  code?: string;
}

/**
 * R4 search.html#quantity: `[prefix]number`, `[prefix]number|system|code` or
 * `[prefix]number||code` (the code then matches Quantity.code or Quantity.unit). Values are
 * compared as stored: no UCUM canonical conversion (a search in `g` does not find `mg`).
 */
export function parseQuantity(raw: string, what: string): QuantityValue {
  const parts = splitEscaped(raw, '|');
  if (parts.length !== 1 && parts.length !== 3) throw badRequest(`${what} takes [prefix]number or [prefix]number|system|code`);
  const value: QuantityValue = { number: parseNumber(parts[0], what) };
  if (parts.length === 3) {
    const system = unescape(parts[1]);
    const code = unescape(parts[2]);
    if (system) value.system = fitIndexed(system, MAX_TOKEN_LENGTH);
    if (code) value.code = fitIndexed(code, MAX_TOKEN_LENGTH);
  }
  return value;
}

function quantityCondition(x: string, v: QuantityValue): Expr {
  const parts: Expr[] = [numberCondition(v.number, col(x, 'value'))];
  if (v.system !== undefined) parts.push(eq(col(x, 'system'), val(v.system)));
  if (v.code !== undefined) {
    parts.push(v.system !== undefined ? eq(col(x, 'code'), val(v.code)) : new Or([eq(col(x, 'code'), val(v.code)), eq(col(x, 'unit'), val(v.code))]));
  }
  return new And(parts);
}

export const quantityStrategy: ParameterStrategy<QuantityValue> = {
  modifiers: [],
  parse: (raw, _modifier, def) => parseQuantity(raw, sanitize(def.code)),
  build(values, _modifier, target) {
    return indexMatch('sp_quantity', target, (x) => new Or(values.map((v) => quantityCondition(x, v))));
  },
};

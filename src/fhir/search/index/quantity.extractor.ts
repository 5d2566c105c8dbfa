import type { ValueExtractor } from './value-extractor';
import { asRecord, finiteNumber, textOrNull } from './untrusted-json';

const QUANTITY_TYPES = new Set(['Quantity', 'SimpleQuantity', 'Age', 'Duration', 'Distance', 'Count', 'MoneyQuantity']);

// R4 search.html#quantity: Money is searched as a quantity in the ISO 4217 system.
const CURRENCY_SYSTEM = 'urn:iso:std:iso:4217';

/**
 * R4 search.html#quantity. Range, Ratio and SampledData carry no single value and add
 * nothing. A value without a number (only a unit) cannot be compared and is skipped.
 */
export const extractQuantity: ValueExtractor = (param, { type, value }, { rows }) => {
  const q = asRecord(value);
  const amount = finiteNumber(q?.value);
  if (!q || amount === undefined) return;
  if (QUANTITY_TYPES.has(type)) {
    rows.quantity(param, amount, textOrNull(q.system), textOrNull(q.code), textOrNull(q.unit));
  } else if (type === 'Money') {
    const currency = textOrNull(q.currency);
    rows.quantity(param, amount, currency && CURRENCY_SYSTEM, currency, null);
  }
};

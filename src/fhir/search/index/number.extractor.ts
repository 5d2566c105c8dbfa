import type { ValueExtractor } from './value-extractor';
import { finiteNumber } from './untrusted-json';

const NUMBER_TYPES = new Set(['integer', 'decimal', 'positiveInt', 'unsignedInt', 'integer64']);

/** R4 search.html#number. */
export const extractNumber: ValueExtractor = (param, { type, value }, { rows }) => {
  const n = finiteNumber(value);
  if (n !== undefined && NUMBER_TYPES.has(type)) rows.number(param, n);
};

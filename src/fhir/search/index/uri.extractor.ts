import type { ValueExtractor } from './value-extractor';

const URI_TYPES = new Set(['uri', 'url', 'canonical', 'oid', 'uuid']);

/** R4 search.html#uri: the value as written; `:below`/`:above` work on it at query time. */
export const extractUri: ValueExtractor = (param, { type, value }, { rows }) => {
  if (URI_TYPES.has(type) && typeof value === 'string' && value.length > 0) rows.uri(param, value);
};

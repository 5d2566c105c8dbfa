import { parseReference } from './reference-target';
import type { ValueExtractor } from './value-extractor';
import { asRecord } from './untrusted-json';

/** Types whose value is itself the URL of the target (R4 search.html#reference, canonical and uri). */
const URL_TYPES = new Set(['canonical', 'uri', 'url']);

/**
 * R4 search.html#reference. Only literal references are indexed: a Reference with just
 * an identifier (a logical reference) names no resource this server could join to.
 */
export const extractReference: ValueExtractor = (param, { type, value }, { rows, serverBaseUrls }) => {
  if (URL_TYPES.has(type)) {
    if (typeof value === 'string' && value.length > 0) rows.reference(param, null, null, value);
    return;
  }
  if (type !== 'Reference') return;
  const reference = asRecord(value)?.reference;
  if (typeof reference !== 'string') return;
  const target = parseReference(reference, serverBaseUrls);
  if (target) rows.reference(param, target.targetType, target.targetId, target.url);
};

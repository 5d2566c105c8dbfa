/**
 * Upper bounds on indexed text, in UTF-16 code units. A PostgreSQL btree entry must fit in about
 * 2,700 bytes, so one oversized identifier or string would fail the whole write; with at most
 * 4 bytes per character these bounds keep every index tuple below that. Search must cut its
 * query values with `fitIndexed` and the same bound so long values still match exactly.
 */
export const MAX_NORM_LENGTH = 256;
export const MAX_TOKEN_LENGTH = 256;
export const MAX_URI_LENGTH = 512;

export function fitIndexed(value: string, max: number): string {
  if (value.length <= max) return value;
  // Never keep half of a surrogate pair: it would not survive UTF-8 encoding intact.
  const code = value.charCodeAt(max - 1);
  return value.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

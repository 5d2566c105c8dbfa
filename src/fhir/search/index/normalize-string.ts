const COMBINING_MARKS = /\p{M}+/gu;
const WHITESPACE = /\s+/g;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * The form string search compares (R4 search.html#string: case- and accent-insensitive): lower
 * case, NFKD with combining marks removed, whitespace runs collapsed to one space, trimmed.
 * Lower-casing comes first because it can itself produce a combining mark ("İ" -> "i̇").
 * "Ёлкина" -> "елкина"; note "й" also folds to "и", as in HAPI. Queries must be normalized with
 * this same function.
 */
export function normalizeString(value: string): string {
  const lower = value.toLowerCase();
  const folded = PRINTABLE_ASCII.test(lower) ? lower : lower.normalize('NFKD').replace(COMBINING_MARKS, '');
  return folded.replace(WHITESPACE, ' ').trim();
}

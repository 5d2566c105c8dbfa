const COMBINING_MARKS = /\p{M}+/gu;
const WHITESPACE = /\s+/g;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

// NFKD plus the \p{M} pass cost 1-3 µs per short Cyrillic string, and the same names, cities and
// codes recur across thousands of resources, so short results are remembered. The bound keeps the
// memory small; clearing all at once is crude but never wrong.
const MEMO_MAX_ENTRIES = 20_000;
const MEMO_MAX_LENGTH = 64;
const memo = new Map<string, string>();

/**
 * The form string search compares (R4 search.html#string: case- and accent-insensitive): lower
 * case, NFKD with combining marks removed, whitespace runs collapsed to one space, trimmed.
 * Lower-casing comes first because it can itself produce a combining mark ("İ" -> "i̇").
 * "Ёлкина" -> "елкина"; note "й" also folds to "и", as in HAPI. Queries must be normalized with
 * this same function.
 */
export function normalizeString(value: string): string {
  if (value.length > MEMO_MAX_LENGTH) return fold(value);
  let norm = memo.get(value);
  if (norm === undefined) {
    if (memo.size >= MEMO_MAX_ENTRIES) memo.clear();
    norm = fold(value);
    memo.set(value, norm);
  }
  return norm;
}

function fold(value: string): string {
  const lower = value.toLowerCase();
  const folded = PRINTABLE_ASCII.test(lower) ? lower : lower.normalize('NFKD').replace(COMBINING_MARKS, '');
  return folded.replace(WHITESPACE, ' ').trim();
}

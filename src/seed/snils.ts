/**
 * СНИЛС: 9 digits of the account number followed by 2 check digits. The check rule (Pension Fund
 * regulation on individual accounting): multiply each of the 9 digits by its weight 9..1 (the first
 * digit by 9), sum; a sum below 100 is the check number itself, 100 and 101 give 00, above 101 take
 * the sum modulo 101 and treat a remainder of 100 as 00. The rule applies only to numbers greater
 * than 001-001-998; smaller numbers were issued before it and are accepted with any check digits.
 */

const SNILS_DIGITS = /^\d{11}$/;

/** The last number issued before the check rule; numbers above it must carry a valid check. */
const LAST_UNCHECKED = 1001998;

export function snilsChecksum(nine: string): string {
  if (!/^\d{9}$/.test(nine)) throw new Error('snilsChecksum expects exactly 9 digits');
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (nine.charCodeAt(i) - 48) * (9 - i);
  let check = sum;
  if (sum > 101) check = sum % 101;
  if (check === 100 || check === 101) check = 0;
  return check < 10 ? `0${check}` : String(check);
}

/** Accepts exactly 11 digits (no separators), the form stored in `Identifier.value`. */
export function isValidSnils(s: string): boolean {
  if (!SNILS_DIGITS.test(s)) return false;
  const nine = s.slice(0, 9);
  if (Number(nine) <= LAST_UNCHECKED) return true;
  return snilsChecksum(nine) === s.slice(9);
}

/** The SNILS whose account number is `n` (0 <= n < 10^9), with its check digits appended. */
export function snilsFromNumber(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 1e9) throw new Error('SNILS account number out of range');
  const nine = String(n).padStart(9, '0');
  return nine + snilsChecksum(nine);
}

/** "123-456-789 01", the way SNILS is printed on documents; for display only. */
export function formatSnils(s: string): string {
  return `${s.slice(0, 3)}-${s.slice(3, 6)}-${s.slice(6, 9)} ${s.slice(9)}`;
}

/**
 * Disjoint ranges of account numbers, so that demo data, generated practitioners and generated
 * patients never share a SNILS, and all lie above the unchecked range.
 */
export const SNILS_BLOCKS = {
  demo: { base: 100_000_000, size: 1_000_000 },
  practitioners: { base: 110_000_000, size: 90_000_000 },
  patients: { base: 200_000_000, size: 800_000_000 },
} as const;

export interface NumberBlock {
  base: number;
  size: number;
}

/**
 * The `index`-th number of a block, scattered so that neighbours do not look sequential: index ->
 * (index * M + offset) mod size with M near size / phi (a Weyl sequence, which spreads consecutive
 * indices evenly) and coprime with size, so the map is a bijection: distinct indices give distinct
 * numbers within one (block, salt). BigInt keeps the product exact; this runs once per person.
 */
export function scatter(index: number, block: NumberBlock, salt: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= block.size) throw new Error('index outside block');
  const size = BigInt(block.size);
  const product = BigInt(index) * weylMultiplier(block.size) + BigInt(salt % block.size);
  return block.base + Number(product % size);
}

const multipliers = new Map<number, bigint>();

function weylMultiplier(size: number): bigint {
  let m = multipliers.get(size);
  if (m === undefined) {
    let candidate = Math.floor(size / 1.618033988749895);
    while (gcd(candidate, size) !== 1) candidate++;
    m = BigInt(candidate);
    multipliers.set(size, m);
  }
  return m;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** A SNILS unique to (`block`, `salt`, `index`). */
export function uniqueSnils(index: number, block: NumberBlock, salt = 0): string {
  return snilsFromNumber(scatter(index, block, salt));
}

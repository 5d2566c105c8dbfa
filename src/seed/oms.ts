import { scatter, type NumberBlock } from './snils';

/**
 * Единый номер полиса ОМС: 16 digits. The generator only guarantees format and uniqueness; no check
 * digit is claimed here (the FFOMS control-digit rule is left to the profile work). The leading
 * "77" makes seeded Moscow numbers look alike and carries no meaning.
 */

const OMS_DIGITS = /^\d{16}$/;

/**
 * Disjoint ranges of the 14 digits after the prefix, so demo and generated patients never share a
 * number; `scatter` is a bijection within each.
 */
export const OMS_BLOCKS = {
  demo: { base: 1e13, size: 1e13 },
  patients: { base: 2e13, size: 8e13 },
} as const;

export function isOmsNumberFormat(s: string): boolean {
  return OMS_DIGITS.test(s);
}

/** A policy number unique to (`block`, `salt`, `index`) among those generated here. */
export function uniqueOmsNumber(index: number, block: NumberBlock, salt = 0): string {
  return `77${String(scatter(index, block, salt)).padStart(14, '0')}`;
}

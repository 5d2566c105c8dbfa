/**
 * ОГРН of a legal entity: 13 digits, the last being (first 12 digits mod 11) mod 10. The first
 * digit 1 marks a legal entity; digits 4-5 are the region (77 is Moscow).
 */

export function ogrnCheckDigit(twelve: string): string {
  if (!/^\d{12}$/.test(twelve)) throw new Error('ogrnCheckDigit expects exactly 12 digits');
  return String((Number(twelve) % 11) % 10);
}

export function isValidOgrn(s: string): boolean {
  return /^\d{13}$/.test(s) && ogrnCheckDigit(s.slice(0, 12)) === s[12];
}

/** An OGRN for a Moscow state institution registered in `year`, with serial number `serial`. */
export function moscowOgrn(year: number, serial: number): string {
  const twelve = `1${String(year % 100).padStart(2, '0')}77${String(serial % 1e7).padStart(7, '0')}`;
  return twelve + ogrnCheckDigit(twelve);
}

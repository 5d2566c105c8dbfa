import { badRequest } from '../../errors/fhir-error';

/**
 * R4 search.html#escaping: `\,` `\|` `\$` `\\` are literal; an unescaped `,` separates OR values
 * and an unescaped `|` separates the parts of a token or quantity. Splitting keeps the escapes
 * so a later split on another separator still sees them; `unescape` removes them at the end.
 */
export function splitEscaped(value: string, separator: ',' | '|' | '$'): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\') i++;
    else if (ch === separator) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

export function unescape(value: string): string {
  return value.replace(/\\([\\,|$])/g, '$1');
}

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

const PREFIXED = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[0-9+\-.])/;

/** R4 search.html#prefix: a two-letter comparator before a number, date or quantity. */
export function splitPrefix(value: string): { prefix: Prefix; rest: string } {
  const m = PREFIXED.exec(value);
  return m ? { prefix: m[1] as Prefix, rest: value.slice(2) } : { prefix: 'eq', rest: value };
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;
const MAX_EXPONENT = 1000;

/** A decimal from a search value, as exact text for PostgreSQL numeric, with its precision. */
export interface SearchNumber {
  /** Canonical decimal text, e.g. "-1.50", "1e2" kept as "1e2" (numeric accepts it). */
  text: string;
  /** Half a unit of the last significant digit given: the implicit range of R4 search.html#number. */
  half: string;
}

/**
 * R4 search.html#number: "100" means [99.5, 100.5), "100.00" means [99.995, 100.005), "1e2"
 * means [50, 150): the precision is that of the last digit written. Throws 400 for anything
 * that is not a decimal (`NaN`, `Infinity`, names, empty).
 */
export function parseSearchNumber(raw: string, what: string): SearchNumber {
  const m = raw.length <= 64 ? DECIMAL.exec(raw) : null;
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) throw badRequest(`${what} needs a decimal number`);
  const exponent = m[4] ? Number(m[4]) : 0;
  if (Math.abs(exponent) > MAX_EXPONENT) throw badRequest(`${what}: the exponent is out of range`);
  const decimals = (m[3] ?? '').length - exponent;
  const digits = decimals + 1;
  const half = digits > 0 ? `0.${'0'.repeat(digits - 1)}5` : `5${'0'.repeat(-digits)}`;
  const text = `${m[1]}${m[2] || '0'}${m[3] ? '.' + m[3] : ''}${m[4] ? 'e' + exponent : ''}`;
  return { text, half };
}

import type { IndexRows } from './index-rows';
import { fitIndexed, MAX_NORM_LENGTH, MAX_TOKEN_LENGTH, MAX_URI_LENGTH } from './index-limits';
import { normalizeString } from './normalize-string';

// Joins key parts; a character no FHIR string value may contain (R4 datatypes.html#string allows no control characters).
const SEP = '\u0000';
const NULL = '\u0001';

function part(value: string | number | null | undefined): string | number {
  return value ?? NULL;
}

/**
 * Accumulates one resource's index rows, dropping duplicates: the same value reached through two
 * union branches (or a coding repeated in two CodeableConcepts) must not be written twice.
 */
export class RowCollector {
  readonly rows: IndexRows = {
    token: [],
    string: [],
    date: [],
    reference: [],
    quantity: [],
    number: [],
    uri: [],
    compartments: [],
  };
  private readonly seen = new Set<string>();

  private isNew(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  token(param: string, system: string | null, code: string | null, text: string | null): void {
    const s = system === null ? null : fitIndexed(system, MAX_TOKEN_LENGTH);
    const c = code === null ? null : fitIndexed(code, MAX_TOKEN_LENGTH);
    if (this.isNew(`t${SEP}${param}${SEP}${part(s)}${SEP}${part(c)}${SEP}${part(text)}`)) {
      this.rows.token.push({ param, system: s, code: c, text });
    }
  }

  string(param: string, exact: string): void {
    const norm = fitIndexed(normalizeString(exact), MAX_NORM_LENGTH);
    if (norm.length === 0) return;
    if (this.isNew(`s${SEP}${param}${SEP}${exact}`)) this.rows.string.push({ param, norm, exact });
  }

  date(param: string, low: Date | null, high: Date | null): void {
    if (this.isNew(`d${SEP}${param}${SEP}${part(low?.getTime())}${SEP}${part(high?.getTime())}`)) {
      this.rows.date.push({ param, low, high });
    }
  }

  reference(param: string, targetType: string | null, targetId: string | null, url: string | null): void {
    const u = url === null ? null : fitIndexed(url, MAX_URI_LENGTH);
    if (this.isNew(`r${SEP}${param}${SEP}${part(targetType)}${SEP}${part(targetId)}${SEP}${part(u)}`)) {
      this.rows.reference.push({ param, targetType, targetId, url: u });
    }
  }

  quantity(param: string, value: number, system: string | null, code: string | null, unit: string | null): void {
    const s = system === null ? null : fitIndexed(system, MAX_TOKEN_LENGTH);
    const c = code === null ? null : fitIndexed(code, MAX_TOKEN_LENGTH);
    if (this.isNew(`q${SEP}${param}${SEP}${value}${SEP}${part(s)}${SEP}${part(c)}${SEP}${part(unit)}`)) {
      this.rows.quantity.push({ param, value, system: s, code: c, unit });
    }
  }

  number(param: string, value: number): void {
    if (this.isNew(`n${SEP}${param}${SEP}${value}`)) this.rows.number.push({ param, value });
  }

  uri(param: string, value: string): void {
    const v = fitIndexed(value, MAX_URI_LENGTH);
    if (this.isNew(`u${SEP}${param}${SEP}${v}`)) this.rows.uri.push({ param, value: v });
  }
}

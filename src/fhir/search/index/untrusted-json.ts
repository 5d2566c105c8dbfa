/**
 * Defensive reads of resource JSON. Validation runs before indexing, but extraction must never
 * throw on odd data (it also runs on stored resources when reindexing), so every field is read
 * as `unknown` and kept only when it has the expected JavaScript shape.
 */
export type JsonRecord = Record<string, unknown>;

export function asRecord(value: unknown): JsonRecord | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonRecord) : undefined;
}

/** A non-empty string, else null. */
export function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** The strings of a FHIR repeating primitive (`given`, `line`): nulls from `_given` padding skipped. */
export function textList(value: unknown): string[] {
  if (typeof value === 'string') return value.length > 0 ? [value] : [];
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

export function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

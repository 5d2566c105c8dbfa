/**
 * Time for seeded data. Everything is dated relative to a fixed instant, never the clock, so a
 * seed produces the same bytes whenever it runs. Moscow has kept UTC+03:00 all year since 2014,
 * so a fixed offset is exact for the dates generated here.
 */

/** The "today" of all seeded data: 2025-06-01T12:00:00+03:00. */
export const SEED_AS_OF = Date.UTC(2025, 5, 1, 9, 0, 0);

export const DAY_MS = 86_400_000;
export const YEAR_MS = 365.25 * DAY_MS;

const MOSCOW_OFFSET_MS = 3 * 3_600_000;

/** FHIR dateTime with seconds in Moscow time, e.g. 2024-03-05T10:20:00+03:00. */
export function moscowDateTime(ms: number): string {
  return new Date(ms + MOSCOW_OFFSET_MS).toISOString().slice(0, 19) + '+03:00';
}

/** FHIR date (YYYY-MM-DD) of the Moscow calendar day containing `ms`. */
export function moscowDate(ms: number): string {
  return new Date(ms + MOSCOW_OFFSET_MS).toISOString().slice(0, 10);
}

/** Start of the Moscow calendar day containing `ms`, plus `minutes` of local time. */
export function atMoscowTime(ms: number, minutes: number): number {
  const local = ms + MOSCOW_OFFSET_MS;
  return local - (local % DAY_MS) - MOSCOW_OFFSET_MS + minutes * 60_000;
}

/** The inclusive instant range a FHIR date, dateTime or instant value covers. */
export interface InstantRange {
  low: Date;
  high: Date;
}

// date | dateTime | instant (R4 datatypes.html#primitive), leniently: seconds and the zone may be missing.
const FHIR_DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * R4 search.html#date: a value is an implicit range at its own precision. "2020" covers
 * the whole year, "2020-03" all of March, "2020-03-05" that day (in UTC: a date has no zone),
 * "...T10:00:00+03:00" that second, "...T10:00:00.5Z" that tenth of a second. Returns undefined
 * for anything that is not such a value, including impossible dates like "2021-02-30".
 */
export function dateRange(value: string): InstantRange | undefined {
  const m = FHIR_DATE_TIME.exec(value);
  if (!m) return undefined;
  const year = +m[1];
  if (m[2] === undefined) return span(utc(year, 0, 1), utc(year + 1, 0, 1) - 1);
  const month = +m[2] - 1;
  if (month < 0 || month > 11) return undefined;
  if (m[3] === undefined) return span(utc(year, month, 1), utc(year, month + 1, 1) - 1);
  const day = +m[3];
  const dayStart = utc(year, month, day);
  if (new Date(dayStart).getUTCDate() !== day) return undefined;
  if (m[4] === undefined) return span(dayStart, dayStart + DAY_MS - 1);
  return timeRange(dayStart, m);
}

function timeRange(dayStart: number, m: RegExpExecArray): InstantRange | undefined {
  const hour = +m[4];
  const minute = +m[5];
  if (hour > 23 || minute > 59) return undefined;
  const zone = m[8] === undefined || m[8] === 'Z' ? 0 : zoneOffsetMinutes(m[8]);
  const minuteStart = dayStart + (hour * 60 + minute - zone) * MINUTE_MS;
  if (m[6] === undefined) return span(minuteStart, minuteStart + MINUTE_MS - 1);
  // A leap second (":60") is folded into the last second of its minute.
  const second = Math.min(+m[6], 59);
  const secondStart = minuteStart + second * 1000;
  const fraction = m[7];
  if (fraction === undefined) return span(secondStart, secondStart + 999);
  if (fraction.length >= 3) {
    const ms = secondStart + +fraction.slice(0, 3);
    return span(ms, ms);
  }
  const unit = 10 ** (3 - fraction.length);
  const start = secondStart + +fraction * unit;
  return span(start, start + unit - 1);
}

function zoneOffsetMinutes(zone: string): number {
  const minutes = +zone.slice(1, 3) * 60 + +zone.slice(4, 6);
  return zone[0] === '-' ? -minutes : minutes;
}

/** Date.UTC, but years 0-99 stay themselves instead of becoming 1900-1999. */
function utc(year: number, month: number, day: number): number {
  if (year >= 100) return Date.UTC(year, month, day);
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  return d.getTime();
}

function span(low: number, high: number): InstantRange | undefined {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return undefined;
  return { low: new Date(low), high: new Date(high) };
}

import { validationRegexes } from '@medplum/core';

/**
 * The parts of the R4 date, dateTime and instant rules (datatypes §2.24.0.1) that @medplum/core's
 * regexes let through:
 * - calendar validity: its date regex accepts day 31 in any month, so `2023-02-30` passes;
 * - dateTime: its regex makes seconds and the timezone optional, so `2020-01-01T10`,
 *   `2020-01-01T10:00:00` (no offset) and `2020-01-01Z` pass; R4 says "if hours and minutes are
 *   specified, a time zone SHALL be populated" and its regex requires hh:mm:ss.
 * Values medplum's own regex rejects are left to medplum, so one bad value yields one issue.
 */

const DATE_TIME_R4 =
  /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/;

export type TemporalType = 'date' | 'dateTime' | 'instant';

export function isTemporalType(type: string): type is TemporalType {
  return type === 'date' || type === 'dateTime' || type === 'instant';
}

/** A rule text when the value breaks a rule medplum does not enforce, else undefined. */
export function checkTemporal(value: unknown, type: TemporalType): string | undefined {
  if (typeof value !== 'string' || !validationRegexes[type].test(value)) return undefined;
  if (type === 'dateTime' && !DATE_TIME_R4.test(value)) {
    return 'dateTime with a time must have hours, minutes, seconds and a timezone; without a time it must not have a timezone';
  }
  return isCalendarDate(value) ? undefined : `${type} is not a calendar date (day out of range for the month)`;
}

/** Only full dates can be out of range; `YYYY` and `YYYY-MM` pass the regex and are fine. */
function isCalendarDate(value: string): boolean {
  if (value.length < 10) return true;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  return day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

import { checkTemporal } from './date-formats';

const CALENDAR = (type: string): string => `${type} is not a calendar date (day out of range for the month)`;
const DATE_TIME =
  'dateTime with a time must have hours, minutes, seconds and a timezone; without a time it must not have a timezone';

describe('checkTemporal', () => {
  it.each([
    ['date', '2024'],
    ['date', '2024-02'],
    ['date', '2024-02-29'],
    ['date', '2000-02-29'],
    ['dateTime', '2024-02-29'],
    ['dateTime', '2024-01-31T23:59:60Z'],
    ['dateTime', '2024-01-31T10:00:00.123+03:00'],
    ['instant', '2024-04-30T10:00:00Z'],
  ] as const)('%s %s conforms', (type, value) => {
    expect(checkTemporal(value, type)).toBeUndefined();
  });

  it.each([
    ['date', '2023-02-29', CALENDAR('date')],
    ['date', '1900-02-29', CALENDAR('date')],
    ['date', '2024-06-31', CALENDAR('date')],
    ['dateTime', '2024-11-31T10:00:00Z', CALENDAR('dateTime')],
    ['instant', '2024-09-31T10:00:00Z', CALENDAR('instant')],
    ['dateTime', '2024-01-01T10', DATE_TIME],
    ['dateTime', '2024-01-01T10:00:00', DATE_TIME],
    ['dateTime', '2024-01-01Z', DATE_TIME],
  ] as const)('%s %s breaks a rule medplum does not check', (type, value, rule) => {
    expect(checkTemporal(value, type)).toBe(rule);
  });

  it.each([
    ['date', '2024-13-01'],
    ['date', '24-01-01'],
    ['instant', '2024-01-01'],
    ['dateTime', 20240101],
  ] as const)('%s %s is left to medplum, which rejects it', (type, value) => {
    expect(checkTemporal(value, type)).toBeUndefined();
  });
});

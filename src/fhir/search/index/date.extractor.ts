import { dateRange } from './date-range';
import type { RowCollector } from './row-collector';
import type { ValueExtractor } from './value-extractor';
import { asRecord, type JsonRecord } from './untrusted-json';

const INSTANT_TYPES = new Set(['date', 'dateTime', 'instant']);

/**
 * R4 search.html#date: every value is a range. A Period runs from the start of its start
 * to the end of its end, open on a missing side; a Timing counts by its events and its
 * repeat.boundsPeriod (the schedule in between is ignored, as the specification allows).
 */
export const extractDate: ValueExtractor = (param, { type, value }, { rows }) => {
  if (INSTANT_TYPES.has(type)) {
    const range = typeof value === 'string' ? dateRange(value) : undefined;
    if (range) rows.date(param, range.low, range.high);
    return;
  }
  const record = asRecord(value);
  if (!record) return;
  if (type === 'Period') period(param, record, rows);
  else if (type === 'Timing') timing(param, record, rows);
};

function period(param: string, p: JsonRecord, rows: RowCollector): void {
  const start = typeof p.start === 'string' ? dateRange(p.start) : undefined;
  const end = typeof p.end === 'string' ? dateRange(p.end) : undefined;
  if (start && end && start.low > end.high) {
    // Invalid (per-1), but a row with low > high would break range predicates: cover both ends.
    rows.date(param, end.low, start.high);
  } else if (start || end) {
    rows.date(param, start?.low ?? null, end?.high ?? null);
  }
}

function timing(param: string, t: JsonRecord, rows: RowCollector): void {
  if (Array.isArray(t.event)) {
    for (const event of t.event) {
      const range = typeof event === 'string' ? dateRange(event) : undefined;
      if (range) rows.date(param, range.low, range.high);
    }
  }
  const bounds = asRecord(asRecord(t.repeat)?.boundsPeriod);
  if (bounds) period(param, bounds, rows);
}

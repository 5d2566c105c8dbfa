import type { RowCollector } from './row-collector';
import type { ValueExtractor } from './value-extractor';
import { asRecord, type JsonRecord, textList, textOrNull } from './untrusted-json';

/** Primitive types a string parameter matches as written. */
const STRING_TYPES = new Set(['string', 'markdown', 'code', 'id', 'uri', 'url', 'canonical']);

const HUMAN_NAME_LISTS = ['given', 'prefix', 'suffix'];
const HUMAN_NAME_SINGLES = ['family', 'text'];
const ADDRESS_LISTS = ['line'];
const ADDRESS_SINGLES = ['city', 'district', 'state', 'postalCode', 'country', 'text'];

/**
 * R4 search.html#string. A HumanName or Address is matched part by part ("any part of the
 * name"), so each part is its own row and `name=ива` finds given "Иван" as well as family "Иванов".
 */
export const extractString: ValueExtractor = (param, { type, value }, { rows }) => {
  if (STRING_TYPES.has(type)) {
    if (typeof value === 'string') rows.string(param, value);
    return;
  }
  const record = asRecord(value);
  if (!record) return;
  if (type === 'HumanName') parts(param, record, HUMAN_NAME_SINGLES, HUMAN_NAME_LISTS, rows);
  else if (type === 'Address') parts(param, record, ADDRESS_SINGLES, ADDRESS_LISTS, rows);
};

function parts(param: string, record: JsonRecord, singles: string[], lists: string[], rows: RowCollector): void {
  for (const key of singles) {
    const text = textOrNull(record[key]);
    if (text) rows.string(param, text);
  }
  for (const key of lists) {
    for (const text of textList(record[key])) rows.string(param, text);
  }
}

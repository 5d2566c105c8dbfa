import type { ValueExtractor } from './value-extractor';
import type { RowCollector } from './row-collector';
import { normalizeString } from './normalize-string';
import { asRecord, type JsonRecord, textOrNull } from './untrusted-json';

/** Primitive types a token matches by code alone (R4 search.html#token: no system). */
const CODE_ONLY_TYPES = new Set(['code', 'string', 'uri', 'url', 'canonical', 'id', 'oid', 'uuid']);

/**
 * R4 search.html#token. `text` holds the normalized words `:text` searches: a Coding's
 * display, a CodeableConcept's text, an Identifier's type.text.
 */
export const extractToken: ValueExtractor = (param, { type, value }, { rows }) => {
  if (CODE_ONLY_TYPES.has(type)) {
    if (typeof value === 'string' && value.length > 0) rows.token(param, null, value, null);
    return;
  }
  if (type === 'boolean') {
    if (typeof value === 'boolean') rows.token(param, null, String(value), null);
    return;
  }
  const record = asRecord(value);
  if (!record) return;
  if (type === 'CodeableConcept') codeableConcept(param, record, rows);
  else if (type === 'Coding') coding(param, record, rows);
  else if (type === 'Identifier') identifier(param, record, rows);
  else if (type === 'ContactPoint') contactPoint(param, record, rows);
};

function codeableConcept(param: string, cc: JsonRecord, rows: RowCollector): void {
  if (Array.isArray(cc.coding)) {
    for (const c of cc.coding) {
      const record = asRecord(c);
      if (record) coding(param, record, rows);
    }
  }
  const text = textOrNull(cc.text);
  if (text) rows.token(param, null, null, normalizeString(text));
}

function coding(param: string, c: JsonRecord, rows: RowCollector): void {
  const system = textOrNull(c.system);
  const code = textOrNull(c.code);
  const display = textOrNull(c.display);
  if (system || code || display) rows.token(param, system, code, display && normalizeString(display));
}

function identifier(param: string, id: JsonRecord, rows: RowCollector): void {
  const system = textOrNull(id.system);
  const value = textOrNull(id.value);
  const typeText = textOrNull(asRecord(id.type)?.text);
  if (system || value) rows.token(param, system, value, typeText && normalizeString(typeText));
}

/** The value only: ContactPoint.system (phone, email) is a kind, not a namespace. */
function contactPoint(param: string, cp: JsonRecord, rows: RowCollector): void {
  const value = textOrNull(cp.value);
  if (value) rows.token(param, null, value, null);
}

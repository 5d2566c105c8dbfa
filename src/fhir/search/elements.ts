import { getDataType, isDataTypeLoaded } from '@medplum/core';
import type { SummaryMode } from './search-request';

/** R4 search.html#summary: every subsetted resource says so in meta.tag. */
export const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

type Json = Record<string, unknown>;

const ALWAYS = ['resourceType', 'id', 'meta'];

/** `value` keeps `valueQuantity`, and `birthDate` keeps its primitive extension `_birthDate`. */
function keyElement(key: string, keep: Set<string>): boolean {
  const base = key.startsWith('_') ? key.slice(1) : key;
  if (keep.has(base)) return true;
  const m = /^([a-z][A-Za-z0-9]*?)([A-Z][A-Za-z0-9]*)$/.exec(base);
  return !!m && keep.has(m[1]);
}

function schemaSet(type: string, which: 'summaryProperties' | 'mandatoryProperties'): Set<string> {
  return isDataTypeLoaded(type) ? (getDataType(type)[which] ?? new Set()) : new Set();
}

/**
 * What `_summary` (true, text, data) and `_elements` keep of a resource; undefined when the
 * resource is served whole. The only place search parses stored JSON: a subset cannot be cut
 * out of the text without reading it.
 */
export function subsetter(summary: SummaryMode | undefined, elements: string[] | undefined): ((type: string, content: string) => string) | undefined {
  if (elements && elements.length > 0) {
    return (type, content) => pick(content, (key) => keyElement(key, new Set([...elements, ...schemaSet(type, 'mandatoryProperties')])));
  }
  switch (summary) {
    case 'true':
      return (type, content) => pick(content, (key) => keyElement(key, schemaSet(type, 'summaryProperties')));
    case 'text':
      return (type, content) => pick(content, (key) => key === 'text' || keyElement(key, schemaSet(type, 'mandatoryProperties')));
    case 'data':
      return (_type, content) => pick(content, (key) => key !== 'text');
    default:
      return undefined;
  }
}

function pick(content: string, keep: (key: string) => boolean): string {
  const resource = JSON.parse(content) as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(resource)) {
    if (ALWAYS.includes(key) || keep(key)) out[key] = value;
  }
  const meta = { ...((out.meta as Json | undefined) ?? {}) };
  const tags = Array.isArray(meta.tag) ? [...(meta.tag as Json[])] : [];
  if (!tags.some((t) => t?.system === SUBSETTED.system && t?.code === SUBSETTED.code)) tags.push({ ...SUBSETTED });
  meta.tag = tags;
  out.meta = meta;
  return JSON.stringify(out);
}

import { badRequest } from '../errors/fhir-error';
import type { FhirJson } from '../store/prepare-change';

export type EntryMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ParsedEntry {
  index: number;
  method: EntryMethod;
  /** The request URL relative to the base, e.g. `Patient/1` or `Patient?identifier=x`. */
  url: string;
  type: string;
  id?: string;
  versionId?: string;
  /** The part after `?`, when the URL is a search (conditional) URL. */
  query?: string;
  fullUrl?: string;
  resource?: FhirJson;
  ifMatch?: string;
  ifNoneExist?: string;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** Bundle.entry.request → a parsed request (FHIR R4 http.html#transaction). */
export function parseEntries(bundle: FhirJson, baseUrl: string): ParsedEntry[] {
  const entries = bundle.entry;
  if (entries === undefined) return [];
  if (!Array.isArray(entries)) throw badRequest('Bundle.entry must be an array', ['Bundle.entry']);
  return entries.map((raw, index) => parseEntry(raw, index, baseUrl));
}

function parseEntry(raw: unknown, index: number, baseUrl: string): ParsedEntry {
  const where = `Bundle.entry[${index}]`;
  if (!raw || typeof raw !== 'object') throw badRequest(`${where} must be an object`, [where]);
  const e = raw as Record<string, unknown>;
  const req = e.request as Record<string, unknown> | undefined;
  if (!req || typeof req.method !== 'string' || typeof req.url !== 'string') {
    throw badRequest(`${where}.request needs a method and a url`, [`${where}.request`]);
  }
  const method = req.method.toUpperCase();
  if (!METHODS.has(method)) throw badRequest(`${where}.request.method is not supported`, [`${where}.request.method`]);
  let url = req.url.trim();
  if (url.startsWith(baseUrl + '/')) url = url.slice(baseUrl.length + 1);
  url = url.replace(/^\/+/, '');
  const [path, query] = splitOnce(url, '?');
  const segments = path.split('/');
  const parsed: ParsedEntry = { index, method: method as EntryMethod, url, type: segments[0], query };
  if (segments.length >= 2 && segments[1]) parsed.id = segments[1];
  if (segments.length === 4 && segments[2] === '_history') parsed.versionId = segments[3];
  if (typeof e.fullUrl === 'string') parsed.fullUrl = e.fullUrl;
  if (e.resource !== undefined) {
    if (!e.resource || typeof e.resource !== 'object' || Array.isArray(e.resource)) {
      throw badRequest(`${where}.resource must be a resource`, [`${where}.resource`]);
    }
    parsed.resource = e.resource as FhirJson;
  }
  if (typeof req.ifMatch === 'string') parsed.ifMatch = req.ifMatch;
  if (typeof req.ifNoneExist === 'string') parsed.ifNoneExist = req.ifNoneExist;
  return parsed;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/**
 * Replaces every `reference` whose value is a key of `map` (urn:uuid: and other fullUrls of
 * the Bundle's entries) with the server's `Type/id`, in place (FHIR R4 bundle.html#references).
 */
export function rewriteReferences(node: unknown, map: Map<string, string>): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteReferences(item, map);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'reference' && typeof v === 'string') {
      const target = map.get(v);
      if (target) obj[k] = target;
    } else if (v && typeof v === 'object') {
      rewriteReferences(v, map);
    }
  }
}

/** Every `reference` value that is a conditional reference (`Type?search`). */
export function collectConditionalReferences(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) collectConditionalReferences(item, out);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === 'reference' && typeof v === 'string' && /^[A-Z][A-Za-z]+\?/.test(v)) out.add(v);
      else if (v && typeof v === 'object') collectConditionalReferences(v, out);
    }
  }
  return out;
}

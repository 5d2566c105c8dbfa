import { badRequest } from '../../errors/fhir-error';
import { sanitize } from '../../interactions/resource-types';
import type { SearchParameterRegistry } from '../registry/search-parameter-registry';
import { isSupportedType } from '../registry/supported-types';
import {
  DEFAULT_COUNT,
  type IncludeSpec,
  MAX_COUNT,
  MAX_SORT_KEYS,
  type SortSpec,
  type SummaryMode,
  type TotalMode,
} from '../search-request';
import { resolveParameter } from './parse-filter';

/** `_count` (R4 search.html#count): default 20, at most 1000 (more is clamped), 0 allowed. */
export function parseCount(raw: string | null): number {
  if (raw === null || raw === '') return DEFAULT_COUNT;
  if (!/^\+?\d+$/.test(raw)) throw badRequest('_count must be a non-negative integer');
  const digits = raw.replace(/^\+?0*/, '');
  return digits.length > 4 ? MAX_COUNT : Math.min(Number(digits || '0'), MAX_COUNT);
}

const SORTABLE = new Set(['token', 'string', 'date', 'reference', 'quantity', 'number', 'uri']);

/** `_sort=a,-b` (R4 search.html#sort): parameter codes, `_id`, `_lastUpdated`; `-` is descending. */
export function parseSort(registry: SearchParameterRegistry, types: readonly string[], raw: string): SortSpec[] {
  const keys = raw.split(',').filter((k) => k.length > 0);
  if (keys.length > MAX_SORT_KEYS) throw badRequest(`_sort takes at most ${MAX_SORT_KEYS} keys`);
  const out: SortSpec[] = [];
  for (const key of keys) {
    const descending = key.startsWith('-');
    const code = descending ? key.slice(1) : key;
    if (out.some((s) => s.code === code)) continue;
    if (code === '_id' || code === '_lastUpdated') {
      out.push({ code, descending });
      continue;
    }
    const def = resolveParameter({ registry, ctx: { baseUrl: '', now: new Date(0) } }, types, code);
    if (!def || !def.searchable || def.column || !SORTABLE.has(def.type)) throw badRequest(`Cannot sort by ${sanitize(code)}`);
    out.push({ code, descending, def });
  }
  return out;
}

export function parseTotal(raw: string): TotalMode {
  if (raw === 'none' || raw === 'estimate' || raw === 'accurate') return raw;
  throw badRequest('_total takes none, estimate or accurate');
}

export function parseSummary(raw: string): SummaryMode {
  if (raw === 'true' || raw === 'text' || raw === 'data' || raw === 'count' || raw === 'false') return raw;
  throw badRequest('_summary takes true, text, data, count or false');
}

const ELEMENT = /^(?:[A-Z][A-Za-z]+\.)?([a-z][A-Za-z0-9]*)$/;

/** `_elements=name,birthDate` (R4 search.html#elements): top-level element names. */
export function parseElements(raw: string): string[] {
  const names = new Set<string>();
  for (const piece of raw.split(',')) {
    const name = piece.trim();
    if (!name) continue;
    const m = ELEMENT.exec(name);
    if (!m) throw badRequest(`_elements takes top-level element names: ${sanitize(name)}`);
    names.add(m[1]);
  }
  return [...names];
}

/**
 * `_include=Observation:patient[:Patient]`, `_include=*`, `_revinclude=Provenance:target`,
 * `:iterate` (R4 search.html#include). `Type:*` includes through every reference parameter of
 * Type; `*` alone is allowed for `_include` only (a reverse `*` would be every referrer).
 */
export function parseInclude(registry: SearchParameterRegistry, name: string, raw: string): IncludeSpec | { unknown: string } {
  const [base, modifier] = name.split(':', 2);
  if (modifier !== undefined && modifier !== 'iterate' && modifier !== 'recurse') throw badRequest(`${base} takes only :iterate`);
  const reverse = base === '_revinclude';
  const iterate = modifier !== undefined;
  if (raw === '*') {
    if (reverse) throw badRequest('_revinclude needs a type: _revinclude=[type]:[parameter]');
    return { reverse, iterate };
  }
  const parts = raw.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) throw badRequest(`${base} takes [type]:[parameter][:targetType]`);
  const [sourceType, param, targetType] = parts;
  if (!isSupportedType(sourceType)) throw badRequest(`${base} names an unsupported type: ${sanitize(sourceType)}`);
  if (targetType !== undefined && !isSupportedType(targetType)) throw badRequest(`${base} names an unsupported target type: ${sanitize(targetType)}`);
  const spec: IncludeSpec = { reverse, iterate, sourceType };
  if (targetType) spec.targetType = targetType;
  if (param === '*') return spec;
  const def = registry.getParameter(sourceType, param);
  if (!def || def.type !== 'reference' || !def.searchable) return { unknown: `${sourceType}:${param}` };
  spec.param = param;
  return spec;
}

import { badRequest } from '../../errors/fhir-error';
import { sanitize } from '../../interactions/resource-types';
import type { ParseContext } from '../predicates/predicate';
import type { SearchParameterRegistry } from '../registry/search-parameter-registry';
import { isSupportedType, SUPPORTED_TYPES } from '../registry/supported-types';
import { type Filter, MAX_VALUES, type SearchRequest } from '../search-request';
import { countValues, isUnknown, parseFilter } from './parse-filter';
import { parseCount, parseElements, parseInclude, parseSort, parseSummary, parseTotal } from './parse-result-params';

/** Accepted and silently ignored: they change the wire format, which is JSON here anyway. */
const FORMAT_PARAMS = new Set(['_format', '_pretty']);

/** Standard parameters this server does not implement: ignored with a warning, 400 when strict. */
const UNSUPPORTED = new Set(['_text', '_content', '_query', '_filter', '_list', '_contained', '_containedType', '_score', '_offset']);

export const CURSOR_PARAM = '_cursor';

export interface ParseOptions extends ParseContext {
  /** Prefer: handling=strict: unknown or unsupported parameters are 400 instead of ignored. */
  strict: boolean;
}

/**
 * URL parameters -> SearchRequest (R4 search.html). Values of the wrong form are 400 here,
 * so compiling never sees them. `type` undefined is a system search over `_type` (or every type).
 */
export function parseSearch(registry: SearchParameterRegistry, type: string | undefined, params: URLSearchParams, opts: ParseOptions): SearchRequest {
  const req: SearchRequest = {
    resourceTypes: type ? [type] : systemTypes(params),
    system: !type,
    filters: [],
    sort: [],
    count: 0,
    include: [],
    ignored: [],
    query: [],
    identity: '',
  };
  const ignore = (name: string, why: string) => {
    if (opts.strict) throw badRequest(`${why}: ${sanitize(name)}`);
    if (!req.ignored.includes(name)) req.ignored.push(name);
  };
  let count: string | null = null;
  let values = 0;
  const identity: [string, string][] = [];
  for (const [name, raw] of params) {
    const code = name.split(/[:.]/, 1)[0];
    if (FORMAT_PARAMS.has(code) || name === CURSOR_PARAM) continue;
    if (name === '_type' && req.system) {
      req.query.push([name, raw]);
      identity.push([name, raw]);
      continue;
    }
    const keep = () => req.query.push([name, raw]);
    switch (name.replace(/:.*$/, '')) {
      case '_count':
        count = raw;
        keep();
        continue;
      case '_sort':
        req.sort = parseSort(registry, req.resourceTypes, raw);
        keep();
        identity.push([name, raw]);
        continue;
      case '_total':
        req.total = parseTotal(raw);
        keep();
        continue;
      case '_summary':
        req.summary = parseSummary(raw);
        keep();
        continue;
      case '_elements':
        req.elements = parseElements(raw);
        keep();
        continue;
      case '_include':
      case '_revinclude': {
        const spec = parseInclude(registry, name, raw);
        if ('unknown' in spec) ignore(name, 'Unknown parameter in _include');
        else {
          req.include.push(spec);
          keep();
        }
        continue;
      }
    }
    if (UNSUPPORTED.has(code)) {
      ignore(name, 'Search parameter not supported');
      continue;
    }
    if (raw.length === 0) continue;
    const filter = parseFilter({ registry, ctx: opts }, name, raw, req.resourceTypes);
    if (isUnknown(filter)) {
      ignore(filter.unknown, 'Unknown search parameter');
      continue;
    }
    const n = countValues(filter);
    if (n === 0) continue;
    values += n;
    if (values > MAX_VALUES) throw badRequest(`A search may have at most ${MAX_VALUES} values in all`);
    req.filters.push(filter as Filter);
    keep();
    identity.push([name, raw]);
  }
  req.count = parseCount(count);
  req.cursor = params.get(CURSOR_PARAM) ?? undefined;
  req.identity = JSON.stringify([req.resourceTypes, identity]);
  return req;
}

function systemTypes(params: URLSearchParams): string[] {
  const raw = params.getAll('_type').flatMap((v) => v.split(',')).filter((t) => t.length > 0);
  if (raw.length === 0) return [...SUPPORTED_TYPES];
  for (const t of raw) if (!isSupportedType(t)) throw badRequest(`_type names an unsupported type: ${sanitize(t)}`);
  return [...new Set(raw)];
}

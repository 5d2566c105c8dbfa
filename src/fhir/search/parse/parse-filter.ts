import { badRequest } from '../../errors/fhir-error';
import { sanitize } from '../../interactions/resource-types';
import { parseMissing, type ParseContext } from '../predicates/predicate';
import { isTypeModifier } from '../predicates/reference.predicate';
import { strategyFor, tableFor } from '../predicates/strategies';
import type { SearchParameterDef } from '../registry/search-parameter-def';
import type { SearchParameterRegistry } from '../registry/search-parameter-registry';
import { isSupportedType } from '../registry/supported-types';
import { type Filter, MAX_CHAIN_DEPTH } from '../search-request';
import { splitEscaped } from './search-value';

/** A parameter this server does not search on: ignored (lenient) or 400 (strict). */
export interface Unknown {
  unknown: string;
}

export type FilterOrUnknown = Filter | Unknown;

export function isUnknown(f: FilterOrUnknown | undefined): f is Unknown {
  return !!f && 'unknown' in f;
}

export interface FilterParser {
  registry: SearchParameterRegistry;
  ctx: ParseContext;
}

/**
 * The parameter `code` as it applies to all of `types`. For a system search over several types
 * the code must mean the same type of parameter in each; reference targets are merged.
 */
export function resolveParameter(p: FilterParser, types: readonly string[], code: string): SearchParameterDef | undefined {
  let found: SearchParameterDef | undefined;
  for (const type of types) {
    const def = p.registry.getParameter(type, code);
    if (!def) return undefined;
    if (!found) found = def;
    else if (found.type !== def.type) return undefined;
    else if (def.target) found = { ...found, target: [...new Set([...(found.target ?? []), ...def.target])] };
  }
  return found;
}

/**
 * One search parameter (name as written, value as written) over resources of `types`:
 * plain (`code:modifier`), chained (`ref:Type.inner`) or reverse-chained (`_has:T:ref:inner`).
 */
export function parseFilter(p: FilterParser, name: string, raw: string, types: readonly string[], depth = 0): FilterOrUnknown {
  if (depth > MAX_CHAIN_DEPTH) throw badRequest(`Chains and _has are limited to ${MAX_CHAIN_DEPTH} levels`);
  if (name.startsWith('_has:')) return parseHas(p, name, raw, types, depth);
  const dot = name.indexOf('.');
  if (dot > 0) return parseChain(p, name.slice(0, dot), name.slice(dot + 1), raw, types, depth);
  const colon = name.indexOf(':');
  const code = colon < 0 ? name : name.slice(0, colon);
  const modifier = colon < 0 ? undefined : name.slice(colon + 1);
  const def = resolveParameter(p, types, code);
  const strategy = def && strategyFor(def);
  if (!def || !strategy) return { unknown: code };
  const pieces = splitEscaped(raw, ',').filter((v) => v.length > 0);
  if (modifier === 'missing') {
    if (!tableFor(def)) throw badRequest(`:missing is not supported for ${sanitize(code)}`);
    return { kind: 'param', def, modifier, values: pieces.map(parseMissing) };
  }
  if (modifier !== undefined && !strategy.modifiers.includes(modifier) && !(def.type === 'reference' && isTypeModifier(def, modifier))) {
    throw badRequest(`Modifier :${sanitize(modifier)} is not supported for ${def.type} parameter ${sanitize(code)}`);
  }
  return { kind: 'param', def, modifier, values: pieces.map((v) => strategy.parse(v, modifier, def, p.ctx)) };
}

function parseChain(p: FilterParser, left: string, right: string, raw: string, types: readonly string[], depth: number): FilterOrUnknown {
  const colon = left.indexOf(':');
  const code = colon < 0 ? left : left.slice(0, colon);
  const typeModifier = colon < 0 ? undefined : left.slice(colon + 1);
  const def = resolveParameter(p, types, code);
  if (!def) return { unknown: code };
  if (def.type !== 'reference') throw badRequest(`Only reference parameters can be chained; ${sanitize(code)} is ${def.type}`);
  if (typeModifier !== undefined && !(isTypeModifier(def, typeModifier) && isSupportedType(typeModifier))) {
    throw badRequest(`:${sanitize(typeModifier)} is not a target type of ${sanitize(code)}`);
  }
  const candidates = typeModifier ? [typeModifier] : (def.target ?? []).filter(isSupportedType);
  const targets: { type: string; filter: Filter }[] = [];
  let lastUnknown: string | undefined;
  for (const type of candidates) {
    const inner = parseFilter(p, right, raw, [type], depth + 1);
    if (isUnknown(inner)) lastUnknown = inner.unknown;
    else targets.push({ type, filter: inner });
  }
  if (targets.length === 0) return { unknown: `${code}.${lastUnknown ?? right}` };
  return { kind: 'chain', def, targets };
}

/** `_has:Observation:patient:code` (the inner name may itself be a chain or another `_has`). */
function parseHas(p: FilterParser, name: string, raw: string, types: readonly string[], depth: number): FilterOrUnknown {
  const parts = name.split(':');
  if (parts.length < 4 || !parts[1] || !parts[2] || !parts[3]) throw badRequest('_has takes _has:[type]:[reference parameter]:[parameter]');
  const [, sourceType, refCode] = parts;
  if (!isSupportedType(sourceType)) throw badRequest(`_has names an unsupported type: ${sanitize(sourceType)}`);
  const def = p.registry.getParameter(sourceType, refCode);
  if (!def || def.type !== 'reference') return { unknown: `_has:${sourceType}:${refCode}` };
  if (def.target && !types.some((t) => def.target!.includes(t))) {
    throw badRequest(`${sanitize(sourceType)}.${sanitize(refCode)} does not refer to the searched type`);
  }
  const inner = parseFilter(p, parts.slice(3).join(':'), raw, [sourceType], depth + 1);
  if (isUnknown(inner)) return { unknown: `_has:${sourceType}:${refCode}:${inner.unknown}` };
  return { kind: 'has', sourceType, def, filter: inner };
}

/** Values in a filter tree (the OR cap counts them). */
export function countValues(f: Filter): number {
  if (f.kind === 'param') return f.values.length;
  if (f.kind === 'has') return countValues(f.filter);
  return Math.max(0, ...f.targets.map((t) => countValues(t.filter)));
}

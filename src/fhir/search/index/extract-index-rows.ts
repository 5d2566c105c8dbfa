import { toTypedValue, type TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { getSearchParameterRegistry, type SearchParameterRegistry } from '../registry/search-parameter-registry';
import type { IndexedParamType } from '../registry/search-parameter-def';
import { patientCompartments } from './compartment';
import { extractDate } from './date.extractor';
import { evaluateParameter } from './evaluate-parameter';
import type { IndexRows } from './index-rows';
import { extractNumber } from './number.extractor';
import { extractQuantity } from './quantity.extractor';
import { extractReference } from './reference.extractor';
import { RowCollector } from './row-collector';
import { extractString } from './string.extractor';
import { extractToken } from './token.extractor';
import { extractUri } from './uri.extractor';
import type { ExtractContext, ValueExtractor } from './value-extractor';

const EXTRACTORS: Record<IndexedParamType, ValueExtractor> = {
  token: extractToken,
  string: extractString,
  date: extractDate,
  reference: extractReference,
  quantity: extractQuantity,
  number: extractNumber,
  uri: extractUri,
};

export interface ExtractOptions {
  /** Base URLs of this server: absolute references under them index as local `Type/id`. */
  serverBaseUrls?: readonly string[];
  /**
   * false evaluates every expression with medplum's FHIRPath engine instead of the compiled
   * walks; tests use it to check that both give the same rows.
   */
  useCompiledPaths?: boolean;
}

/**
 * The search-index rows of one resource version: every searchable parameter of its type except
 * `_id` and `_lastUpdated` (columns of `resource`), plus its Patient compartments. Never throws:
 * a value of an unexpected shape adds no row.
 */
export function extractIndexRows(
  resource: Resource,
  registry: SearchParameterRegistry = getSearchParameterRegistry(),
  options: ExtractOptions = {},
): IndexRows {
  const rows = new RowCollector();
  const ctx: ExtractContext = { rows, serverBaseUrls: options.serverBaseUrls ?? [] };
  let typed: TypedValue[] | undefined;
  const root = (): TypedValue[] => (typed ??= [toTypedValue(resource)]);
  for (const def of registry.getIndexedParameters(resource.resourceType)) {
    const extract = EXTRACTORS[def.type as IndexedParamType];
    for (const value of evaluateParameter(def, resource, root, options.useCompiledPaths ?? true)) {
      extract(def.code, value, ctx);
    }
  }
  rows.rows.compartments = patientCompartments(resource, rows.rows.reference);
  return rows.rows;
}

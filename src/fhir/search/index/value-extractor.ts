import type { PathValue } from './compiled-path';
import type { RowCollector } from './row-collector';

export interface ExtractContext {
  rows: RowCollector;
  /** Base URLs under which absolute references count as local (see parseReference). */
  serverBaseUrls: readonly string[];
}

/**
 * Turns one value a search expression reached into index rows for `param`, by the value's FHIR
 * data type. One extractor per SearchParameter type; a data type it does not know adds nothing.
 */
export type ValueExtractor = (param: string, value: PathValue, ctx: ExtractContext) => void;

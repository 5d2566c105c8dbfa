import type { SearchParameterDef } from './registry/search-parameter-def';

/** One parameter with its OR'ed values, already parsed by its type's strategy. */
export interface ParamFilter {
  kind: 'param';
  def: SearchParameterDef;
  modifier?: string;
  values: unknown[];
}

/** `subject:Patient.name=x` (R4 search.html#chaining): one inner filter per possible target type. */
export interface ChainFilter {
  kind: 'chain';
  def: SearchParameterDef;
  targets: { type: string; filter: Filter }[];
}

/** `_has:Observation:patient:code=x` (R4 search.html#has): some `sourceType` referencing us via `def` matches `filter`. */
export interface HasFilter {
  kind: 'has';
  sourceType: string;
  def: SearchParameterDef;
  filter: Filter;
}

export type Filter = ParamFilter | ChainFilter | HasFilter;

export type TotalMode = 'none' | 'estimate' | 'accurate';
export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';

export interface SortSpec {
  /** `_id`, `_lastUpdated` or a parameter code. */
  code: string;
  descending: boolean;
  /** The parameter, for parameter sorts (any of the searched types' defs: same code, same type). */
  def?: SearchParameterDef;
}

/** `_include` / `_revinclude` (R4 search.html#include); undefined parts stand for `*`. */
export interface IncludeSpec {
  reverse: boolean;
  iterate: boolean;
  sourceType?: string;
  param?: string;
  targetType?: string;
}

export interface SearchRequest {
  resourceTypes: string[];
  /** A system-level search (`GET [base]?_type=...`). */
  system: boolean;
  filters: Filter[];
  sort: SortSpec[];
  count: number;
  total?: TotalMode;
  summary?: SummaryMode;
  elements?: string[];
  include: IncludeSpec[];
  /** The paging cursor as received (validated by paging.ts). */
  cursor?: string;
  /** Parameter names that were not understood and were ignored (lenient handling). */
  ignored: string[];
  /** Understood parameters in the order given, for the self and paging links (no `_cursor`). */
  query: [string, string][];
  /** What a cursor is bound to: the types, the filters and the sort order. */
  identity: string;
}

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;
/** OR'ed values over the whole request (LESSONS.md: long OR lists); above it, 400. */
export const MAX_VALUES = 1000;
/** Chained and `_has` levels in one parameter. */
export const MAX_CHAIN_DEPTH = 3;
export const MAX_SORT_KEYS = 5;

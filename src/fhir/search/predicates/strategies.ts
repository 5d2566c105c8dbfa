import type { IndexedParamType, SearchParameterDef } from '../registry/search-parameter-def';
import { isIndexedParamType } from '../registry/search-parameter-def';
import { dateStrategy, lastUpdatedStrategy } from './date.predicate';
import { idStrategy } from './id.predicate';
import { numberStrategy } from './number.predicate';
import type { IndexTable, ParameterStrategy } from './predicate';
import { quantityStrategy } from './quantity.predicate';
import { referenceStrategy } from './reference.predicate';
import { stringStrategy } from './string.predicate';
import { tokenStrategy } from './token.predicate';
import { uriStrategy } from './uri.predicate';

type AnyStrategy = ParameterStrategy<unknown>;

/** A strategy's values are opaque outside it: what its parse returns, its build takes. */
const erase = <V>(s: ParameterStrategy<V>): AnyStrategy => s as unknown as AnyStrategy;

/** Each indexed SearchParameter type: its index table and its predicate builder. */
const BY_TYPE: Record<IndexedParamType, { table: IndexTable; strategy: AnyStrategy }> = {
  token: { table: 'sp_token', strategy: erase(tokenStrategy) },
  string: { table: 'sp_string', strategy: erase(stringStrategy) },
  date: { table: 'sp_date', strategy: erase(dateStrategy) },
  reference: { table: 'sp_reference', strategy: erase(referenceStrategy) },
  quantity: { table: 'sp_quantity', strategy: erase(quantityStrategy) },
  number: { table: 'sp_number', strategy: erase(numberStrategy) },
  uri: { table: 'sp_uri', strategy: erase(uriStrategy) },
};

/** The strategy of a searchable def: column-backed `_id`/`_lastUpdated`, else by its type. */
export function strategyFor(def: SearchParameterDef): AnyStrategy | undefined {
  if (def.column === 'id') return erase(idStrategy);
  if (def.column === 'lastUpdated') return erase(lastUpdatedStrategy);
  if (!def.searchable || !isIndexedParamType(def.type)) return undefined;
  return BY_TYPE[def.type].strategy;
}

/** The index table of an indexed def; undefined for column-backed ones. */
export function tableFor(def: SearchParameterDef): IndexTable | undefined {
  if (def.column || !isIndexedParamType(def.type)) return undefined;
  return BY_TYPE[def.type].table;
}

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

/** Each indexed SearchParameter type: its index table and its predicate builder. */
const BY_TYPE: Record<IndexedParamType, { table: IndexTable; strategy: ParameterStrategy<never> }> = {
  token: { table: 'sp_token', strategy: tokenStrategy },
  string: { table: 'sp_string', strategy: stringStrategy },
  date: { table: 'sp_date', strategy: dateStrategy },
  reference: { table: 'sp_reference', strategy: referenceStrategy },
  quantity: { table: 'sp_quantity', strategy: quantityStrategy },
  number: { table: 'sp_number', strategy: numberStrategy },
  uri: { table: 'sp_uri', strategy: uriStrategy },
};

/** The strategy of a searchable def: column-backed `_id`/`_lastUpdated`, else by its type. */
export function strategyFor(def: SearchParameterDef): ParameterStrategy<unknown> | undefined {
  if (def.column === 'id') return idStrategy as ParameterStrategy<unknown>;
  if (def.column === 'lastUpdated') return lastUpdatedStrategy as ParameterStrategy<unknown>;
  if (!def.searchable || !isIndexedParamType(def.type)) return undefined;
  return BY_TYPE[def.type].strategy as ParameterStrategy<unknown>;
}

/** The index table of an indexed def; undefined for column-backed ones. */
export function tableFor(def: SearchParameterDef): IndexTable | undefined {
  if (def.column || !isIndexedParamType(def.type)) return undefined;
  return BY_TYPE[def.type].table;
}

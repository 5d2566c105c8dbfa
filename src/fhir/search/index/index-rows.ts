/**
 * The search-index rows one resource version produces. The store writes them in the same
 * transaction as the resource (tables sp_token, sp_string, sp_date, sp_reference, sp_quantity,
 * sp_number, sp_uri and resource_compartment, see migrations/); search only reads them.
 * `param` is the SearchParameter `code` (e.g. "code", "patient", "_tag").
 * Indexed text (token system/code, string norm, uri and reference url) is cut to the bounds in
 * index-limits.ts so no btree entry outgrows PostgreSQL's limit; search cuts its values alike.
 */
export interface TokenRow {
  param: string;
  system: string | null;
  code: string | null;
  /** Lower-cased, accent-free display / CodeableConcept.text / Identifier.type.text, for :text. */
  text: string | null;
}

export interface StringRow {
  param: string;
  /** Lower-cased, accents removed, whitespace collapsed: for the default starts-with and :contains. */
  norm: string;
  /** The value as written, for :exact. */
  exact: string;
}

export interface DateRow {
  param: string;
  /** Inclusive bounds of the instant range the value covers (a partial date covers its whole period). */
  low: Date | null; // null = open (-infinity)
  high: Date | null; // null = open (+infinity)
}

export interface ReferenceRow {
  param: string;
  /** Set for relative references `Type/id` (and absolute ones on this server). */
  targetType: string | null;
  targetId: string | null;
  /** The reference as written when it is absolute, canonical or otherwise not a local Type/id. */
  url: string | null;
}

export interface QuantityRow {
  param: string;
  value: number;
  system: string | null;
  code: string | null;
  unit: string | null;
}

export interface NumberRow {
  param: string;
  value: number;
}

export interface UriRow {
  param: string;
  value: string;
}

export interface IndexRows {
  token: TokenRow[];
  string: StringRow[];
  date: DateRow[];
  reference: ReferenceRow[];
  quantity: QuantityRow[];
  number: NumberRow[];
  uri: UriRow[];
  /** Ids of the Patients in whose compartment this resource is (R4 CompartmentDefinition/patient). */
  compartments: string[];
}

/** A FHIR request independent of HTTP, so Bundle entries and HTTP requests share one router. */
export interface FhirRequest {
  method: string;
  /** Path segments after the FHIR base, e.g. ['Patient', '1', '_history', '2']. */
  path: string[];
  query: URLSearchParams;
  /** The query string as received (for conditional interactions and links). */
  rawQuery: string;
  body?: unknown;
  /** Content-Type of the body, lower-cased, without parameters. */
  contentType?: string;
  ifMatch?: string;
  ifNoneExist?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
}

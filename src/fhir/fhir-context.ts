import type { AccessScope } from '../access/access-scope';
import type { Principal } from '../identity/principal';

/**
 * What every interaction knows about the request that asked for it. Built once per request by the
 * HTTP layer; access control (the Principal) and audit read it, nothing reads globals.
 */
export interface FhirRequestContext {
  requestId: string;
  /** e.g. http://127.0.0.1:8080/fhir — for Location, fullUrl and Bundle links. */
  baseUrl: string;
  clientAddress?: string;
  /** Set by the identity layer when a token was verified. */
  principal?: Principal;
  /** Set by the access layer: what this caller may see, as SQL. Undefined = no restriction. */
  accessScope?: AccessScope;
  /** `X-Break-Glass` reason, when given (audited with purposeOfUse BTG). */
  breakGlassReason?: string;
  /** RFC 7240 Prefer: return=minimal | representation | OperationOutcome. */
  preferReturn?: 'minimal' | 'representation' | 'OperationOutcome';
  /** Prefer: handling=strict makes unknown search parameters an error. */
  preferHandling?: 'strict' | 'lenient';
  /** Prefer: respond-async (Bulk Data kick-off). */
  preferAsync?: boolean;
}

/** What an interaction answers; the HTTP layer only copies it onto the wire. */
export interface FhirResponse {
  status: number;
  headers?: Record<string, string>;
  /**
   * A JSON string (stored resources are served as stored), its UTF-8 bytes (large Bundles
   * assembled from the database's bytes, sent without a decode and re-encode), or an object to
   * serialise.
   */
  body?: string | Buffer | object;
}

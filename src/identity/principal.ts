/**
 * Who is calling, as established from a verified token (CONTRACT.md, "Who may do what").
 * Built by the identity layer only; everything else reads it from FhirRequestContext.principal.
 */
export type Role = 'clinician' | 'patient' | 'auditor' | 'system' | 'admin';

export const ROLES: readonly Role[] = ['clinician', 'patient', 'auditor', 'system', 'admin'];

/** One SMART v2 scope, e.g. `patient/Observation.rs` → { context: 'patient', type: 'Observation', perms: 'rs' }. */
export interface SmartScope {
  context: 'patient' | 'user' | 'system';
  /** A resource type or `*`. */
  type: string;
  /** Subset of `cruds` (v1 `.read` = `rs`, `.write` = `cud`, `.*` = `cruds`). */
  perms: string;
}

export interface Principal {
  /** Token `sub`. */
  sub: string;
  roles: Role[];
  /** `Practitioner/{id}` or `Patient/{id}` from the `fhirUser` claim. */
  fhirUser?: { resourceType: 'Practitioner' | 'Patient'; id: string };
  /** Present only when the token carried `scope`; then they narrow what the roles allow. */
  scopes?: SmartScope[];
  /** Token `client_id` / `azp`, when present. */
  clientId?: string;
}

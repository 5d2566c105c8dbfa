import { forbidden } from '../fhir/errors/fhir-error';
import type { Principal } from '../identity/principal';

/** Which AuditEvents a caller may see: all of them, or those naming one patient. */
export type AuditReach = { kind: 'all' } | { kind: 'patient'; patientId: string };

/**
 * CONTRACT.md, "Who may do what": auditors and admins read and search the whole log; a patient
 * only the AuditEvents whose patient entity is their own record; anyone else gets 403.
 * No principal means authentication is not configured in this build: treated as admin.
 */
export function auditReach(principal: Principal | undefined): AuditReach {
  if (!principal) return { kind: 'all' };
  if (principal.roles.includes('admin') || principal.roles.includes('auditor')) return { kind: 'all' };
  if (principal.roles.includes('patient') && principal.fhirUser?.resourceType === 'Patient') {
    return { kind: 'patient', patientId: principal.fhirUser.id };
  }
  throw forbidden('The caller\'s role may not read AuditEvents');
}

/** Export of the log and verification of the chain: auditors and admins only. */
export function assertAuditor(principal: Principal | undefined, what: string): void {
  if (!principal) return;
  if (principal.roles.includes('admin') || principal.roles.includes('auditor')) return;
  throw forbidden(`Only auditors may ${what}`);
}

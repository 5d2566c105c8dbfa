import { forbidden } from '../fhir/errors/fhir-error';
import type { Principal, Role } from '../identity/principal';
import { scopesAllow } from '../identity/smart-scopes';

/** What an interaction asks of a type, in SMART's letters: create, read, update, delete, search. */
export type Perm = 'c' | 'r' | 'u' | 'd' | 's';

/** Types whose writes only an admin may make (CONTRACT.md: admin manages the directory). */
export const DIRECTORY_TYPES = new Set(['Organization', 'Practitioner', 'PractitionerRole']);
/** Not patient data: readable by every role that reads clinical data, and by patients. */
export const PUBLIC_READ_TYPES = new Set(['Organization', 'Practitioner', 'PractitionerRole', 'Location']);
export const CONFORMANCE_TYPES = new Set(['StructureDefinition', 'NamingSystem', 'SearchParameter', 'ValueSet', 'CodeSystem']);

type Rule = (type: string, perm: Perm) => boolean;

const clinical = (type: string) => !CONFORMANCE_TYPES.has(type) && type !== 'AuditEvent';

/**
 * The role table of CONTRACT.md, default deny: a role may do what its rule allows and nothing
 * else. Which *rows* a role sees (its patients, its own compartment) is the AccessScope's job;
 * this table only answers "may this role ever do this to this type" (403 when not).
 */
export const ROLE_RULES: Record<Role, Rule> = {
  admin: () => true,
  system: (type, perm) =>
    CONFORMANCE_TYPES.has(type) ? perm === 'r' || perm === 's' : clinical(type) && perm !== 'd' && (!DIRECTORY_TYPES.has(type) || perm === 'r' || perm === 's'),
  clinician: (type, perm) =>
    CONFORMANCE_TYPES.has(type) ? perm === 'r' || perm === 's' : clinical(type) && perm !== 'd' && (!DIRECTORY_TYPES.has(type) || perm === 'r' || perm === 's'),
  patient: (type, perm) =>
    (perm === 'r' || perm === 's') && (clinical(type) || CONFORMANCE_TYPES.has(type) || type === 'AuditEvent'),
  auditor: (type, perm) => type === 'AuditEvent' && (perm === 'r' || perm === 's'),
};

/** Throws 403 unless one of the principal's roles allows it and its scopes (if any) grant it. */
export function authorize(principal: Principal, type: string, perm: Perm): void {
  const allowed = principal.roles.some((r) => ROLE_RULES[r](type, perm));
  if (!allowed) throw forbidden(`The caller's role may not ${PERM_NAMES[perm]} ${type}`);
  if (principal.scopes && !scopesAllow(principal.scopes, type, perm)) {
    throw forbidden(`The token's scopes do not grant ${PERM_NAMES[perm]} on ${type}`);
  }
}

const PERM_NAMES: Record<Perm, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

import type { JWTPayload } from 'jose';
import { unauthorized } from '../fhir/errors/fhir-error';
import { Principal, Role, ROLES } from './principal';
import { parseScopes } from './smart-scopes';

const FHIR_USER = /(?:^|\/)(Practitioner|Patient)\/([A-Za-z0-9\-.]{1,64})$/;

/** The contract's claims (CONTRACT.md, "Who may do what") → a Principal, or 401. */
export function principalFromClaims(claims: JWTPayload): Principal {
  if (typeof claims.sub !== 'string' || !claims.sub) throw unauthorized('The token has no subject (sub)');
  const rawRoles = claims.roles;
  if (!Array.isArray(rawRoles)) throw unauthorized('The token has no roles claim');
  const roles = rawRoles.filter((r): r is Role => typeof r === 'string' && (ROLES as readonly string[]).includes(r));
  if (roles.length === 0) throw unauthorized('The token names no known role');
  const principal: Principal = { sub: claims.sub, roles };
  if (claims.fhirUser !== undefined) {
    const m = typeof claims.fhirUser === 'string' ? FHIR_USER.exec(claims.fhirUser) : null;
    if (!m) throw unauthorized('The fhirUser claim must name a Practitioner or a Patient');
    principal.fhirUser = { resourceType: m[1] as 'Practitioner' | 'Patient', id: m[2] };
  }
  if (roles.includes('clinician') && !roles.includes('admin') && principal.fhirUser?.resourceType !== 'Practitioner') {
    throw unauthorized('A clinician token needs fhirUser Practitioner/{id}');
  }
  if (roles.includes('patient') && !roles.includes('admin') && principal.fhirUser?.resourceType !== 'Patient') {
    throw unauthorized('A patient token needs fhirUser Patient/{id}');
  }
  if (claims.scope !== undefined) {
    if (typeof claims.scope !== 'string') throw unauthorized('The scope claim must be a string');
    principal.scopes = parseScopes(claims.scope);
  }
  const client = claims.client_id ?? claims.azp;
  if (typeof client === 'string') principal.clientId = client;
  return principal;
}

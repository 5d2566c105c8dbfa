import type { SmartScope } from './principal';

const V2 = /^(patient|user|system)\/([A-Za-z]+|\*)\.([cruds]+)$/;
const V1 = /^(patient|user|system)\/([A-Za-z]+|\*)\.(read|write|\*)$/;
const V1_PERMS: Record<string, string> = { read: 'rs', write: 'cud', '*': 'cruds' };

/**
 * SMART App Launch v2 scopes (`patient/Observation.rs`) and the v1 forms (`.read`, `.write`, `.*`).
 * Other scopes (openid, fhirUser, launch, offline_access) carry no data rights and are skipped.
 * v2 allows query parameters after `?` on a scope; they are not supported and such a scope grants
 * nothing (narrower than asked is safe; wider is not).
 */
export function parseScopes(scope: string): SmartScope[] {
  const out: SmartScope[] = [];
  for (const raw of scope.split(/\s+/).filter(Boolean)) {
    const v2 = V2.exec(raw);
    if (v2) {
      out.push({ context: v2[1] as SmartScope['context'], type: v2[2], perms: v2[3] });
      continue;
    }
    const v1 = V1.exec(raw);
    if (v1) out.push({ context: v1[1] as SmartScope['context'], type: v1[2], perms: V1_PERMS[v1[3]] });
  }
  return out;
}

/** Whether the scopes grant `perm` (one of c r u d s) on `type`. */
export function scopesAllow(scopes: SmartScope[], type: string, perm: string): boolean {
  return scopes.some((s) => (s.type === '*' || s.type === type) && s.perms.includes(perm));
}

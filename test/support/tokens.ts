import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportSPKI, generateKeyPair, KeyLike, SignJWT } from 'jose';

/**
 * Real tokens for the e2e suite: an ES256 key pair made once per test process, its public key
 * written to a PEM file the server reads through AUTH_PUBLIC_KEY_FILE (as in production).
 */
let keys: Promise<{ privateKey: KeyLike; publicKeyFile: string }> | undefined;

export function testKeys(): Promise<{ privateKey: KeyLike; publicKeyFile: string }> {
  keys ??= (async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kt-keys-')), 'public.pem');
    fs.writeFileSync(file, await exportSPKI(publicKey));
    return { privateKey, publicKeyFile: file };
  })();
  return keys;
}

export interface TokenClaims {
  roles: string[];
  /** e.g. `Practitioner/pract-1` or `Patient/pat-1`. */
  fhirUser?: string;
  /** SMART scopes, space-separated, e.g. `patient/Observation.rs`. */
  scope?: string;
  sub?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  iss?: string;
  aud?: string;
}

export async function tokenFor(claims: TokenClaims): Promise<string> {
  const { privateKey } = await testKeys();
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { roles: claims.roles };
  if (claims.fhirUser) payload.fhirUser = claims.fhirUser;
  if (claims.scope) payload.scope = claims.scope;
  let jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setSubject(claims.sub ?? claims.fhirUser ?? `test-${claims.roles.join('-')}`)
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.expiresIn ?? 3600));
  if (claims.iss) jwt = jwt.setIssuer(claims.iss);
  if (claims.aud) jwt = jwt.setAudience(claims.aud);
  return jwt.sign(privateKey);
}

/** `Authorization` header value for an admin (everything allowed). */
export async function adminAuth(): Promise<string> {
  return `Bearer ${await tokenFor({ roles: ['admin'], sub: 'test-admin' })}`;
}

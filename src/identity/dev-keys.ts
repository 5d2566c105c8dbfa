import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, JWK, KeyLike } from 'jose';

/**
 * Dev mode (CONTRACT.md): with no AUTH_JWKS_URI / AUTH_PUBLIC_KEY_FILE, the server makes an ES256
 * signing key under DATA_DIR and trusts only it; `npm run token` signs with the same key.
 */
export interface DevKeys {
  privateKey: KeyLike;
  publicKey: KeyLike;
  kid: string;
  file: string;
}

export const DEV_KID = 'kartoteka-dev';

export async function loadOrCreateDevKeys(dataDir: string, create: boolean): Promise<DevKeys> {
  const file = path.join(dataDir, 'dev-keys', 'signing-key.jwk.json');
  if (!fs.existsSync(file)) {
    if (!create) throw new Error(`No dev signing key at ${file}: start the server once in dev mode first`);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: DEV_KID, alg: 'ES256' };
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
  }
  const jwk = JSON.parse(fs.readFileSync(file, 'utf8')) as JWK;
  const { d: _d, ...pub } = jwk;
  return {
    privateKey: (await importJWK(jwk, 'ES256')) as KeyLike,
    publicKey: (await importJWK(pub, 'ES256')) as KeyLike,
    kid: jwk.kid ?? DEV_KID,
    file,
  };
}

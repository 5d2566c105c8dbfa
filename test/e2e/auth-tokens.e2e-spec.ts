import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { loadConfig } from '../../src/config/config';
import { TokenVerifier } from '../../src/identity/token-verifier';
import { startTestServer, TestServer } from '../support/test-app';
import { testKeys, tokenFor } from '../support/tokens';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Token attacks (issue 5): each answers 401 with WWW-Authenticate: Bearer and an OperationOutcome. */
describe('bearer tokens', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.close();
  });

  const expect401 = async (authorization: string | undefined) => {
    const res = authorization === undefined ? await s.as('').get('/fhir/Patient?_count=1') : await s.as(authorization).get('/fhir/Patient?_count=1');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    const oo = JSON.parse(res.text);
    expect(oo.resourceType).toBe('OperationOutcome');
    expect(oo.issue[0].code).toBe('login');
    return oo.issue[0].diagnostics as string;
  };

  it('accepts a valid ES256 token', async () => {
    const res = await s.as(`Bearer ${await tokenFor({ roles: ['admin'] })}`).get('/fhir/Patient?_count=1');
    expect(res.status).toBe(200);
  });

  it('refuses a missing or malformed Authorization header', async () => {
    await expect401(undefined);
    await expect401('Basic dXNlcjpwYXNz');
    await expect401('Bearer not-a-jwt');
  });

  it('refuses alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', roles: ['admin'], exp: now + 600 })}.`;
    await expect401(`Bearer ${token}`);
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const { publicKeyFile } = await testKeys();
    const secret = fs.readFileSync(publicKeyFile);
    const now = Math.floor(Date.now() / 1000);
    const head = b64({ alg: 'HS256', typ: 'JWT' });
    const body = b64({ sub: 'x', roles: ['admin'], exp: now + 600 });
    const sig = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
    await expect401(`Bearer ${head}.${body}.${sig}`);
  });

  it('refuses an expired token, and a token without exp', async () => {
    expect(await expect401(`Bearer ${await tokenFor({ roles: ['admin'], expiresIn: -120 })}`)).toMatch(/expired/);
    const { privateKey } = await testKeys();
    const noExp = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'ES256' }).setSubject('x').sign(privateKey);
    await expect401(`Bearer ${noExp}`);
  });

  it('refuses a token not yet valid (nbf in the future)', async () => {
    const { privateKey } = await testKeys();
    const t = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('x')
      .setNotBefore(Math.floor(Date.now() / 1000) + 3600)
      .setExpirationTime('2h')
      .sign(privateKey);
    await expect401(`Bearer ${t}`);
  });

  it('refuses a token signed by another key, and a tampered payload', async () => {
    const other = await generateKeyPair('ES256');
    const t = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'ES256' }).setSubject('x').setExpirationTime('1h').sign(other.privateKey);
    await expect401(`Bearer ${t}`);
    const good = await tokenFor({ roles: ['patient'], fhirUser: 'Patient/pat-1' });
    const [h, , sig] = good.split('.');
    const forged = b64({ sub: 'x', roles: ['admin'], exp: Math.floor(Date.now() / 1000) + 600 });
    await expect401(`Bearer ${h}.${forged}.${sig}`);
  });

  it('refuses missing claims: no roles, unknown roles only, clinician without fhirUser', async () => {
    const { privateKey } = await testKeys();
    const noRoles = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject('x').setExpirationTime('1h').sign(privateKey);
    await expect401(`Bearer ${noRoles}`);
    await expect401(`Bearer ${await tokenFor({ roles: ['superuser'] })}`);
    await expect401(`Bearer ${await tokenFor({ roles: ['clinician'] })}`);
    await expect401(`Bearer ${await tokenFor({ roles: ['patient'], fhirUser: 'Practitioner/p' })}`);
  });

  it('checks iss and aud when configured', async () => {
    const strict = await startTestServer({ AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: 'kartoteka' });
    try {
      const good = await tokenFor({ roles: ['admin'], iss: 'https://idp.example', aud: 'kartoteka' });
      expect((await strict.as(`Bearer ${good}`).get('/fhir/Patient?_count=1')).status).toBe(200);
      const wrongIss = await tokenFor({ roles: ['admin'], iss: 'https://evil.example', aud: 'kartoteka' });
      expect((await strict.as(`Bearer ${wrongIss}`).get('/fhir/Patient?_count=1')).status).toBe(401);
      const wrongAud = await tokenFor({ roles: ['admin'], iss: 'https://idp.example', aud: 'other' });
      expect((await strict.as(`Bearer ${wrongAud}`).get('/fhir/Patient?_count=1')).status).toBe(401);
    } finally {
      await strict.close();
    }
  });

  it('metadata and smart-configuration need no token', async () => {
    expect((await s.as('').get('/fhir/metadata')).status).toBe(200);
    const smart = await s.as('').get('/fhir/.well-known/smart-configuration');
    expect(smart.status).toBe(200);
    expect(JSON.parse(smart.text).capabilities).toContain('permission-v2');
  });
});

describe('keys from a JWKS URL (AUTH_JWKS_URI), rotated by kid', () => {
  it('verifies RS256 tokens from a loopback JWKS and picks up a new key after rotation', async () => {
    const k1 = await generateKeyPair('RS256');
    const k2 = await generateKeyPair('RS256');
    let keys = [{ ...(await exportJWK(k1.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
    const jwks = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
    const { port } = jwks.address() as AddressInfo;
    try {
      const verifier = await TokenVerifier.create(loadConfig({ AUTH_JWKS_URI: `http://127.0.0.1:${port}/jwks.json` }), { jwksCooldownMs: 500 });
      const sign = (key: import('jose').KeyLike, kid: string) =>
        new SignJWT({ roles: ['system'] }).setProtectedHeader({ alg: 'RS256', kid }).setSubject('svc').setExpirationTime('1h').sign(key);
      expect((await verifier.verify(`Bearer ${await sign(k1.privateKey, 'k1')}`)).roles).toEqual(['system']);
      await expect(verifier.verify(`Bearer ${await sign(k2.privateKey, 'k2')}`)).rejects.toMatchObject({ status: 401 });
      keys = [...keys, { ...(await exportJWK(k2.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' }];
      // jose refetches the set on an unknown kid once its cooldown has passed.
      await new Promise((r) => setTimeout(r, 600));
      expect((await verifier.verify(`Bearer ${await sign(k2.privateKey, 'k2')}`)).sub).toBe('svc');
    } finally {
      jwks.close();
    }
  });

  it('reads a PEM public key file (RS256) too', async () => {
    const k = await generateKeyPair('RS256');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kt-rsa-')), 'pub.pem');
    fs.writeFileSync(file, await exportSPKI(k.publicKey));
    const verifier = await TokenVerifier.create(loadConfig({ AUTH_PUBLIC_KEY_FILE: file }));
    const t = await new SignJWT({ roles: ['auditor'] }).setProtectedHeader({ alg: 'RS256' }).setSubject('a').setExpirationTime('1h').sign(k.privateKey);
    expect((await verifier.verify(`Bearer ${t}`)).roles).toEqual(['auditor']);
  });

  it('dev mode refuses NODE_ENV=production', async () => {
    await expect(TokenVerifier.create(loadConfig({ NODE_ENV: 'production', DATA_DIR: os.tmpdir() }))).rejects.toThrow(/production/);
  });
});

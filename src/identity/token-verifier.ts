import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  importSPKI,
  JWTPayload,
  jwtVerify,
  JWTVerifyGetKey,
  KeyLike,
} from 'jose';
import type { AppConfig } from '../config/config';
import { unauthorized } from '../fhir/errors/fhir-error';
import { principalFromClaims } from './claims';
import { loadOrCreateDevKeys } from './dev-keys';
import type { Principal } from './principal';

/** RS256 and ES256 only: `none` and HS256 (a public key used as an HMAC secret) never verify. */
const ALGORITHMS = ['RS256', 'ES256'];
const CACHE_MAX = 10_000;

type KeySource = JWTVerifyGetKey | KeyLike;

/**
 * Verifies bearer tokens with `jose` and turns them into Principals. A verified token is cached
 * (by its SHA-256) until it expires, so a busy client pays for the signature check once.
 */
export class TokenVerifier {
  private readonly cache = new Map<string, { principal: Principal; exp: number }>();

  private constructor(
    private readonly keys: KeySource,
    private readonly issuer: string | undefined,
    private readonly audience: string | undefined,
    readonly mode: 'jwks' | 'key-file' | 'dev',
  ) {}

  /** `jwksCooldownMs`: how soon an unknown `kid` may trigger another JWKS fetch. */
  static async create(config: AppConfig, opts: { jwksCooldownMs?: number } = {}): Promise<TokenVerifier> {
    if (config.authJwksUri) {
      // jose caches the set and refetches on an unknown `kid` (key rotation).
      const set = createRemoteJWKSet(new URL(config.authJwksUri), { cooldownDuration: opts.jwksCooldownMs ?? 30_000 });
      return new TokenVerifier(set, config.authIssuer, config.authAudience, 'jwks');
    }
    if (config.authPublicKeyFile) {
      return new TokenVerifier(await keyFromFile(config.authPublicKeyFile), config.authIssuer, config.authAudience, 'key-file');
    }
    if (config.production) throw new Error('Dev-mode authentication refuses to start with NODE_ENV=production: set AUTH_JWKS_URI or AUTH_PUBLIC_KEY_FILE');
    const dev = await loadOrCreateDevKeys(config.dataDir, true);
    return new TokenVerifier(dev.publicKey, config.authIssuer, config.authAudience, 'dev');
  }

  async verify(authorization: string | undefined): Promise<Principal> {
    if (!authorization) throw unauthorized('A bearer token is required');
    const m = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)\s*$/i.exec(authorization);
    if (!m) throw unauthorized('The Authorization header must be "Bearer <JWT>"');
    const token = m[1];
    const key = createHash('sha256').update(token).digest('base64url');
    const now = Date.now() / 1000;
    const hit = this.cache.get(key);
    if (hit && hit.exp > now) return hit.principal;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys as JWTVerifyGetKey, {
        algorithms: ALGORITHMS,
        issuer: this.issuer,
        audience: this.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 30,
      }));
    } catch (e) {
      throw unauthorized(reason(e));
    }
    const principal = principalFromClaims(payload);
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, { principal, exp: payload.exp as number });
    return principal;
  }
}

function reason(e: unknown): string {
  if (e instanceof errors.JWTExpired) return 'The token has expired';
  if (e instanceof errors.JWTClaimValidationFailed) return `The token's ${e.claim} claim is not acceptable`;
  if (e instanceof errors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm this server does not accept';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid';
  if (e instanceof errors.JWKSNoMatchingKey) return 'No key matches the token';
  return 'The token is invalid';
}

/** A PEM public key (RS256 or ES256) or a JWKS JSON file. */
async function keyFromFile(file: string): Promise<KeySource> {
  const text = fs.readFileSync(file, 'utf8');
  if (text.trimStart().startsWith('{')) {
    const parsed = JSON.parse(text);
    return createLocalJWKSet(parsed.keys ? parsed : { keys: [parsed] });
  }
  // One PEM serves the algorithm its key type allows.
  try {
    return await importSPKI(text, 'ES256');
  } catch {
    return importSPKI(text, 'RS256');
  }
}

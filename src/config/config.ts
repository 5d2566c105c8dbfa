import * as path from 'node:path';

/**
 * The only place that reads process.env (CONTRACT.md, "Starting it"). Validated once at start;
 * a bad value stops the process with a message naming the variable, never a default in disguise.
 */
export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databaseReadUrls: string[];
  dataDir: string;
  authJwksUri: string | undefined;
  authPublicKeyFile: string | undefined;
  authIssuer: string | undefined;
  authAudience: string | undefined;
  migrationsRun: boolean;
  production: boolean;
  /** Largest request body in bytes (413 above it). */
  bodyLimit: number;
  /** Longest request target (path + query) in characters (414 above it). */
  maxUrlLength: number;
  /** Seed the demo city when the database has no resources. */
  seedDemo: boolean;
  /** Port of the embedded PostgreSQL when DATABASE_URL is unset. */
  embeddedPgPort: number;
  dbPoolSize: number;
  /** How long to wait for a pooled connection (an idle one, or a new one to be opened), in ms. */
  dbConnectTimeoutMs: number;
  /**
   * Client-side limit on one statement, in ms (0 = none): a database that stops answering without
   * closing the connection (frozen, cut off by the network) fails the request with 503 instead of
   * holding it for ever. Above the server's own 60 s statement_timeout by default.
   */
  dbQueryTimeoutMs: number;
  logLevel: string;
  /** Base URL as clients see it (for Location, Bundle links); derived from the request when unset. */
  publicBaseUrl: string | undefined;
  /** Requests per second per client (0 = no limit) and the burst a client may spend at once. */
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  /** The IdP's SMART endpoints, advertised in .well-known/smart-configuration. */
  authAuthorizeEndpoint: string | undefined;
  authTokenEndpoint: string | undefined;
  /** Record AuditEvents (AUDIT_ENABLED, default true); false only to measure what auditing costs. */
  auditEnabled: boolean;
  /** Audit group commit: statements in flight at once, and how long (ms) a further one gathers events. */
  auditStatementsInFlight: number;
  auditGatherMs: number;
  /**
   * Proxies whose X-Forwarded-For names the real client (TRUST_PROXY: addresses or CIDR ranges,
   * comma-separated, or `true` for any): the address audited and rate limited. Default: none.
   */
  trustProxy: boolean | string[];
  /**
   * How long (ms) a bulk export waits for a replica to replay the primary's WAL up to the job's
   * start before it reads the primary instead (EXPORT_REPLICA_WAIT_MS; only with DATABASE_READ_URLS).
   */
  exportReplicaWaitMs: number;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}`);
  }
  return n;
}

function num(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number between ${min} and ${max}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false`);
}

function url(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  try {
    new URL(raw);
  } catch {
    throw new Error(`${name} is not a valid URL`);
  }
  return raw;
}

function trustProxy(env: Env): boolean | string[] {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '' || /^(false|0|no)$/i.test(raw)) return false;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of list) {
    if (!/^[0-9A-Fa-f.:]+(\/\d{1,3})?$/.test(a)) throw new Error('TRUST_PROXY must be true, false, or addresses and CIDR ranges separated by commas');
  }
  return list;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const databaseReadUrls = (env.DATABASE_READ_URLS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  databaseReadUrls.forEach((u, i) => url({ [`DATABASE_READ_URLS[${i}]`]: u }, `DATABASE_READ_URLS[${i}]`));
  return {
    port: int(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '127.0.0.1',
    databaseUrl: url(env, 'DATABASE_URL'),
    databaseReadUrls,
    dataDir: path.resolve(env.DATA_DIR || './data'),
    authJwksUri: url(env, 'AUTH_JWKS_URI'),
    authPublicKeyFile: env.AUTH_PUBLIC_KEY_FILE || undefined,
    authIssuer: env.AUTH_ISSUER || undefined,
    authAudience: env.AUTH_AUDIENCE || undefined,
    migrationsRun: bool(env, 'MIGRATIONS_RUN', true),
    production: env.NODE_ENV === 'production',
    bodyLimit: int(env, 'FHIR_BODY_LIMIT', 16 * 1024 * 1024, 1024),
    maxUrlLength: int(env, 'FHIR_MAX_URL_LENGTH', 16 * 1024, 256),
    seedDemo: bool(env, 'SEED_DEMO', true),
    embeddedPgPort: int(env, 'EMBEDDED_PG_PORT', 54329, 1, 65535),
    dbPoolSize: int(env, 'DB_POOL_SIZE', 20, 1, 500),
    dbConnectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', 5000, 100, 600_000),
    dbQueryTimeoutMs: int(env, 'DB_QUERY_TIMEOUT_MS', 65_000, 0, 3_600_000),
    logLevel: env.LOG_LEVEL || 'info',
    publicBaseUrl: url(env, 'PUBLIC_BASE_URL')?.replace(/\/+$/, ''),
    rateLimitPerSecond: num(env, 'RATE_LIMIT_PER_SECOND', 0, 0, 1_000_000),
    rateLimitBurst: int(env, 'RATE_LIMIT_BURST', 0, 0, 1_000_000),
    authAuthorizeEndpoint: url(env, 'AUTH_AUTHORIZE_ENDPOINT'),
    authTokenEndpoint: url(env, 'AUTH_TOKEN_ENDPOINT'),
    auditEnabled: bool(env, 'AUDIT_ENABLED', true),
    auditStatementsInFlight: int(env, 'AUDIT_STATEMENTS_IN_FLIGHT', 2, 1, 16),
    auditGatherMs: int(env, 'AUDIT_GATHER_MS', 1, 0, 100),
    trustProxy: trustProxy(env),
    exportReplicaWaitMs: int(env, 'EXPORT_REPLICA_WAIT_MS', 30_000, 0, 3_600_000),
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

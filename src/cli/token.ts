import { SignJWT } from 'jose';
import { loadConfig } from '../config/config';
import { loadOrCreateDevKeys } from '../identity/dev-keys';
import { ROLES } from '../identity/principal';

/**
 * `npm run token -- --role clinician --user Practitioner/ID [--scope "user/*.rs"] [--hours 8]`
 * prints a token signed with the dev key under DATA_DIR (dev mode only, CONTRACT.md).
 */
function args(argv: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const v = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
    (out[a.slice(2)] ??= []).push(v);
  }
  return out;
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.production) throw new Error('npm run token is for dev mode; it refuses NODE_ENV=production');
  if (config.authJwksUri || config.authPublicKeyFile) {
    throw new Error('AUTH_JWKS_URI or AUTH_PUBLIC_KEY_FILE is set: tokens come from your identity provider, not from here');
  }
  const a = args(process.argv.slice(2));
  const roles = (a.role ?? []).flatMap((r) => r.split(','));
  if (roles.length === 0 || roles.some((r) => !(ROLES as readonly string[]).includes(r))) {
    throw new Error(`--role must be one or more of ${ROLES.join(', ')}`);
  }
  const user = a.user?.[0];
  if (user && !/^(Practitioner|Patient)\/[A-Za-z0-9\-.]{1,64}$/.test(user)) throw new Error('--user must be Practitioner/ID or Patient/ID');
  const hours = Number(a.hours?.[0] ?? 8);
  const keys = await loadOrCreateDevKeys(config.dataDir, true);
  const payload: Record<string, unknown> = { roles };
  if (user) payload.fhirUser = user;
  if (a.scope) payload.scope = a.scope.join(' ');
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: keys.kid, typ: 'JWT' })
    .setSubject(a.sub?.[0] ?? user ?? `dev-${roles.join('-')}`)
    .setIssuedAt()
    .setExpirationTime(`${hours}h`)
    .sign(keys.privateKey);
  process.stdout.write(token + '\n');
}

main().catch((e: Error) => {
  process.stderr.write(`token: ${e.message}\n`);
  process.exit(1);
});

'use strict';
// Kartoteka benchmark: two ceilings (bare Node http, bare http + one prepared SELECT) and the real
// server's read, create, update and transaction ingest, in one run on one database, written to
// BENCHMARKS.md. `npm run bench` builds first; this script runs what is in dist/.
//
// Environment: BENCH_DURATION (s, 10), BENCH_WARMUP (warm-up size factor, 1; 0 = none), BENCH_CONNECTIONS (10),
// BENCH_PATIENTS (2000), BENCH_BUNDLE_SIZE (100), BENCH_PROFILE=1 (server under --cpu-prof; the
// report then goes to bench/results/ instead of BENCHMARKS.md), DATABASE_URL (use that PostgreSQL
// instead of the app's embedded one; the bench writes patients and observations into it),
// BENCH_QUIET_WAIT (s, 10: before each scenario, wait up to this long for the machine to go idle),
// BENCH_ROLE (system) and BENCH_SCOPE (system/*.cruds): the dev-mode token every request carries,
// BENCH_NICE (unset: when set, e.g. -10, and run as root, the bench's processes get that priority),
// BENCH_BUDGET (s, 270: no re-measuring past this much time since the start),
// BENCH_RETRIES (1: measure a scenario again when other processes took over a quarter of a core,
// keeping the least disturbed attempt; this machine may be shared).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { Client } = require('pg');
const proc = require('./lib/processes');
const payloads = require('./lib/payloads');
const { scenarios } = require('./lib/scenarios');
const { writeReport } = require('./lib/report');
const { startSampler } = require('./lib/pg-activity');
const { topSelfTime, format } = require('./top-profile');

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(__dirname, 'results');
/** Other processes' CPU (percent of one core) above which a measurement counts as disturbed. */
const DISTURBED_PCT = 25;

function num(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return n;
}

function niceness(raw) {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < -20 || n > 19) throw new Error('BENCH_NICE must be an integer from -20 to 19');
  return n;
}

const cfg = {
  duration: num('BENCH_DURATION', 10),
  warmup: num('BENCH_WARMUP', 1),
  quietWait: num('BENCH_QUIET_WAIT', 5),
  budget: num('BENCH_BUDGET', 270),
  nice: niceness(process.env.BENCH_NICE),
  retries: num('BENCH_RETRIES', 1),
  connections: num('BENCH_CONNECTIONS', 10),
  patients: num('BENCH_PATIENTS', 2000),
  bundleSize: Math.max(2, num('BENCH_BUNDLE_SIZE', 100)),
  profile: process.env.BENCH_PROFILE === '1',
  externalDb: process.env.DATABASE_URL || undefined,
  role: process.env.BENCH_ROLE || 'system',
  scope: process.env.BENCH_SCOPE ?? 'system/*.cruds',
};

const log = (msg) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function startServer(port, pgPort, dataDir) {
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(pgPort),
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    NODE_ENV: '',
    RATE_LIMIT_PER_SECOND: '0',
    // Dev-mode auth: the server makes a signing key under DATA_DIR and the bench signs with it.
    AUTH_JWKS_URI: '',
    AUTH_PUBLIC_KEY_FILE: '',
  };
  if (cfg.externalDb) env.DATABASE_URL = cfg.externalDb;
  const args = cfg.profile ? ['--cpu-prof', `--cpu-prof-dir=${RESULTS}`, 'dist/src/main.js'] : ['dist/src/main.js'];
  const server = proc.startNode('server', args, env, ROOT);
  server.spawnedAt = Date.now();
  await proc.waitForHttp(`http://127.0.0.1:${port}/readyz`, server, 120000);
  return server;
}

/** A dev-mode token (the server's signing key under DATA_DIR), as `npm run token` makes one. */
function devToken(dataDir) {
  const args = ['dist/src/cli/token.js', '--role', cfg.role, '--sub', 'kartoteka-bench', '--hours', '2'];
  if (cfg.scope) args.push('--scope', cfg.scope);
  const env = { ...process.env, DATA_DIR: dataDir, AUTH_JWKS_URI: '', AUTH_PUBLIC_KEY_FILE: '', NODE_ENV: '' };
  return execFileSync(process.execPath, args, { cwd: ROOT, env, encoding: 'utf8' }).trim();
}

async function seedPatients(base, count, auth) {
  const ids = [];
  const perBundle = 100;
  const bundles = Math.ceil(count / perBundle);
  let next = 0;
  async function worker() {
    while (next < bundles) {
      const b = next++;
      const size = Math.min(perBundle, count - b * perBundle);
      const res = await fetch(`${base}/fhir`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', authorization: auth },
        body: JSON.stringify(payloads.patientBundle(size, `seed-${b}`)),
      });
      const body = await res.json();
      if (res.status !== 200) throw new Error(`seeding bundle ${b}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      for (const e of body.entry) ids.push(e.resource.id);
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()]);
  if (ids.length !== count) throw new Error(`seeded ${ids.length} patients, expected ${count}`);
  return ids;
}

/** Median time of an 8 kB write + fdatasync in dataDir: the floor under every commit that waits for WAL. */
function fdatasyncMs(dir, n = 200) {
  const file = path.join(dir, 'fsync-probe');
  const fd = fs.openSync(file, 'w');
  const buf = Buffer.alloc(8192, 1);
  const times = [];
  try {
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      fs.writeSync(fd, buf, 0, buf.length, 0);
      fs.fdatasyncSync(fd);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)];
}

async function postgresVersion(url) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query('SHOW server_version')).rows[0].server_version;
  } finally {
    await c.end();
  }
}

function cannon(opts, onResponse) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ connections: cfg.connections, pipelining: 1, timeout: 30, ...opts }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
    if (onResponse) instance.on('response', onResponse);
  });
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * One scenario: wait for an idle machine (and for the server to finish what the previous run left
 * in flight), a warm-up of a fixed number of requests that all complete (not reported), then the
 * measured run with every latency kept.
 */
async function measure(s, procs) {
  const opts = { url: s.url, requests: s.requests, title: s.key };
  const idleBefore = await proc.waitForQuiet(cfg.quietWait * 1000);
  const warmupRequests = Math.round(cfg.warmup * s.warmupPerConnection * cfg.connections);
  if (warmupRequests > 0) await cannon({ ...opts, amount: warmupRequests });
  // After the warm-up every pool connection (and so every PostgreSQL backend) exists.
  if (cfg.nice !== undefined) proc.prioritize(cfg.nice, [procs.server, procs.hello, procs.httpPg]);
  s.resetChecks();
  const latencies = [];
  const stopSampler = s.key === 'hello' ? undefined : await startSampler(procs.dbUrl);
  const before = proc.cpuSnapshot(procs.server, s.ceiling, !!cfg.externalDb);
  const r = await cannon({ ...opts, duration: cfg.duration }, (_client, _status, _bytes, ms) => latencies.push(ms));
  const cpu = proc.cpuBetween(before, proc.cpuSnapshot(procs.server, s.ceiling, !!cfg.externalDb));
  const pgActivity = stopSampler ? await stopSampler() : undefined;
  latencies.sort((a, b) => a - b);
  const completed = latencies.length;
  const rps = completed / r.duration;
  return {
    key: s.key,
    name: s.name,
    what: s.what,
    requests: completed,
    seconds: r.duration,
    rps,
    resourcesPerRequest: s.resourcesPerRequest,
    resourcesPerSecond: s.resourcesPerRequest ? rps * s.resourcesPerRequest : undefined,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])),
    badBodies: s.badBodies(),
    warmupRequests,
    machineBusyBefore: idleBefore,
    cpu,
    pgActivity,
  };
}

async function main() {
  fs.mkdirSync(RESULTS, { recursive: true });
  if (!fs.existsSync(path.join(ROOT, 'dist/src/main.js'))) throw new Error('dist/src/main.js is missing: run npm run build');
  const [port, pgPort, helloPort, httpPgPort] = await Promise.all([1, 2, 3, 4].map(() => proc.freePort()));
  // Under /tmp and world-traversable: as root the embedded PostgreSQL runs as the OS user postgres.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-bench-'));
  cleanup.dataDir = dataDir;
  fs.chmodSync(dataDir, 0o755);
  const procs = {};
  const started = new Date();
  try {
    log(`starting the server (${cfg.externalDb ? 'DATABASE_URL' : `embedded PostgreSQL on ${pgPort}`}) on ${port}`);
    procs.server = await startServer(port, pgPort, dataDir);
    const dbUrl = cfg.externalDb || `postgres://postgres:kartoteka-embedded@127.0.0.1:${pgPort}/kartoteka`;
    procs.dbUrl = dbUrl;
    const base = `http://127.0.0.1:${port}`;

    procs.hello = proc.startNode('hello', [path.join(__dirname, 'ceilings/hello.js')], { PORT: String(helloPort) }, ROOT);
    procs.httpPg = proc.startNode('http-pg', [path.join(__dirname, 'ceilings/http-pg.js')], { PORT: String(httpPgPort), DATABASE_URL: dbUrl, DB_POOL_SIZE: '20' }, ROOT);
    await proc.waitForHttp(`http://127.0.0.1:${helloPort}/`, procs.hello, 10000);

    log(`seeding ${cfg.patients} patients in transaction bundles of 100`);
    const t0 = Date.now();
    const auth = `Bearer ${devToken(dataDir)}`;
    const ids = await seedPatients(base, cfg.patients, auth);
    log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await proc.waitForHttp(`http://127.0.0.1:${httpPgPort}/fhir/Patient/${ids[0]}`, procs.httpPg, 10000);

    // The profile's window: from here on (start-up and seeding left out).
    const loadFromMs = Date.now() - procs.server.spawnedAt;
    const list = scenarios({ cfg, ids, base, helloPort, httpPgPort, procs, auth });
    const results = [];
    for (const s of list) {
      log(`${s.key}: warm-up, then ${cfg.duration} s at ${cfg.connections} connections`);
      let m;
      let attempts = 0;
      while (attempts <= cfg.retries) {
        const a = await measure(s, procs);
        attempts++;
        if (!m || a.cpu.other < m.cpu.other) m = a;
        if (a.cpu.other < DISTURBED_PCT || Date.now() - started.getTime() > cfg.budget * 1000) break;
        if (attempts <= cfg.retries) log(`${s.key}: other processes took ${a.cpu.other.toFixed(0)}% of a core; measuring again`);
      }
      m.attempts = attempts;
      results.push(m);
      log(
        `${s.key}: ${m.rps.toFixed(0)} req/s` +
          (m.resourcesPerSecond ? ` (${m.resourcesPerSecond.toFixed(0)} resources/s)` : '') +
          `, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, non-2xx ${m.non2xx}, errors ${m.errors}, bad bodies ${m.badBodies}` +
          `; CPU app ${m.cpu.app.toFixed(0)}% pg ${m.cpu.pg.toFixed(0)}% ceiling ${m.cpu.ceiling.toFixed(0)}% loadgen ${m.cpu.loadgen.toFixed(0)}% other ${m.cpu.other.toFixed(0)}%`,
      );
    }

    const pgVersion = await postgresVersion(dbUrl);
    const fsyncMs = fdatasyncMs(dataDir);
    const serverPid = procs.server.pid;
    await proc.stopAll();

    let profileText;
    if (cfg.profile) {
      const file = fs.readdirSync(RESULTS).find((f) => f.endsWith('.cpuprofile') && f.includes(`.${serverPid}.`));
      if (file) {
        const profile = JSON.parse(fs.readFileSync(path.join(RESULTS, file), 'utf8'));
        profileText =
          `${path.join('bench/results', file)}, from ${(loadFromMs / 1000).toFixed(1)} s (after start-up and seeding)\n` +
          format(topSelfTime(profile, 15, { fromMs: loadFromMs }));
        process.stdout.write(`\n${profileText}\n\n`);
      } else {
        log('no .cpuprofile from the server was found');
      }
    }

    const stamp = started.toISOString().replace(/[:.]/g, '-');
    const run = { started: started.toISOString(), cfg: { ...cfg, externalDb: !!cfg.externalDb }, pgVersion, fsyncMs, results };
    fs.writeFileSync(path.join(RESULTS, `bench-${stamp}.json`), JSON.stringify(run, null, 2));
    const target = cfg.profile ? path.join(RESULTS, `BENCHMARKS-profiled-${stamp}.md`) : path.join(ROOT, 'BENCHMARKS.md');
    writeReport(target, { ...run, root: ROOT, profileText });
    log(`wrote ${path.relative(ROOT, target)}`);
  } finally {
    await proc.stopAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What an interrupted run must still remove. */
const cleanup = { dataDir: undefined };

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: stopping what the bench started`);
    proc.stopAll().finally(() => {
      if (cleanup.dataDir) fs.rmSync(cleanup.dataDir, { recursive: true, force: true });
      process.exit(130);
    });
  });
}
process.on('exit', proc.killAllNow);

main().catch(async (e) => {
  process.stderr.write(`bench failed: ${e.stack || e}\n`);
  await proc.stopAll();
  process.exit(1);
});

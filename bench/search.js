'use strict';
// Search and $everything at city scale (issue 4, item 5): the real server on a database seeded
// with `npm run seed`, measured with autocannon, with the bare-http hello-world ceiling in the same
// run. Prints a table and writes bench/results/search-<label>-<time>.json.
//
//   npm run build && DATABASE_URL=postgres://.../kt_bench_search npm run seed -- --patients 2150
//   DATABASE_URL=postgres://.../kt_bench_search BENCH_LABEL=100k node bench/search.js
//
// Environment: DATABASE_URL (required: a seeded database, never one holding real data),
// BENCH_LABEL (a name for the run, e.g. 100k), BENCH_SEED (the population's --seed, 1),
// BENCH_DURATION (s, 10), BENCH_CONNECTIONS (10), BENCH_WARMUP (requests per connection, 30),
// BENCH_QUIET_WAIT (s, 20: wait up to this long for the machine to go idle before each scenario),
// BENCH_ONLY (comma list of scenario keys), BENCH_PROFILE=1 (server under --cpu-prof),
// BENCH_AUDIT (true: every request writes its AuditEvent, as in production; false to compare),
// BENCH_NICE and BENCH_PG_POSTMASTER (raise the bench's and one PostgreSQL cluster's priority, as root).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const autocannon = require('autocannon');
const { Client } = require('pg');
const proc = require('./lib/processes');
const { searchScenarios } = require('./search-scenarios');
const { topSelfTime, format } = require('./top-profile');

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(__dirname, 'results');
const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const cfg = {
  db: process.env.DATABASE_URL,
  label: process.env.BENCH_LABEL || 'run',
  seed: num('BENCH_SEED', 1),
  duration: num('BENCH_DURATION', 10),
  connections: num('BENCH_CONNECTIONS', 10),
  warmup: num('BENCH_WARMUP', 30),
  quietWait: num('BENCH_QUIET_WAIT', 20),
  only: process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : undefined,
  profile: process.env.BENCH_PROFILE === '1',
  audit: process.env.BENCH_AUDIT !== 'false',
  /** BENCH_NICE (e.g. -15, as root): raise the bench's processes (and BENCH_PG_POSTMASTER's cluster) on a shared machine. */
  nice: process.env.BENCH_NICE ? Number(process.env.BENCH_NICE) : undefined,
};
const log = (msg) => process.stdout.write(`[search-bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** What the seeded database holds: patients of the seed, heavy ones, codes, sizes. */
async function population(db) {
  const c = new Client({ connectionString: db });
  await c.connect();
  try {
    const q = async (text, values) => (await c.query(text, values)).rows;
    const [{ n: resources }] = await q('SELECT count(*)::int AS n FROM resource');
    const [{ n: patients }] = await q(`SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Patient' AND id LIKE $1`, [`p${cfg.seed}-%`]);
    const heavy = [];
    for (let n = 0; n < patients; n += 100) heavy.push(`p${cfg.seed}-${n}`);
    const sizes = await q(`SELECT patient_id, count(*)::int AS n FROM resource_compartment WHERE patient_id = ANY($1) GROUP BY 1`, [heavy]);
    const codes = (
      await q(`SELECT code FROM sp_token WHERE resource_type = 'Observation' AND param = 'code' AND system = 'http://loinc.org'
                GROUP BY code ORDER BY count(*) DESC LIMIT 12`)
    ).map((r) => r.code);
    const gps = await q(
      `SELECT patient_id, min(target) AS gp FROM patient_attachment WHERE patient_id = ANY($1) AND target LIKE 'Practitioner/%' GROUP BY 1`,
      [heavy.slice(0, 10)],
    );
    const [{ v: pgVersion }] = await q('SHOW server_version');
    return { seed: cfg.seed, resources, patients, heavy, heavySizes: sizes.map((r) => r.n), codes, gps, pgVersion };
  } finally {
    await c.end();
  }
}

function token(dataDir, role, user) {
  const args = ['dist/src/cli/token.js', '--role', role, '--sub', 'kartoteka-search-bench', '--hours', '2'];
  if (user) args.push('--user', user);
  const env = { ...process.env, DATA_DIR: dataDir, AUTH_JWKS_URI: '', AUTH_PUBLIC_KEY_FILE: '', NODE_ENV: '' };
  return execFileSync(process.execPath, args, { cwd: ROOT, env, encoding: 'utf8' }).trim();
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;
}

function cannon(opts, onResponse) {
  return new Promise((resolve, reject) => {
    const i = autocannon({ connections: cfg.connections, pipelining: 1, timeout: 30, ...opts }, (e, r) => (e ? reject(e) : resolve(r)));
    if (onResponse) i.on('response', onResponse);
  });
}

async function measure(s, procs) {
  const idleBefore = await proc.waitForQuiet(cfg.quietWait * 1000);
  if (cfg.warmup > 0) await cannon({ url: s.url, requests: s.requests, amount: cfg.warmup * cfg.connections });
  s.resetChecks();
  const latencies = [];
  const before = proc.cpuSnapshot(procs.server, s.ceiling, true);
  const r = await cannon({ url: s.url, requests: s.requests, duration: cfg.duration }, (_c, _s, _b, ms) => latencies.push(ms));
  const cpu = proc.cpuBetween(before, proc.cpuSnapshot(procs.server, s.ceiling, true));
  latencies.sort((a, b) => a - b);
  return {
    key: s.key, name: s.name, what: s.what, requests: latencies.length, seconds: r.duration,
    rps: latencies.length / r.duration, p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99),
    non2xx: r.non2xx, errors: r.errors, badBodies: s.badBodies(), bytesPerResponse: r.throughput.total / Math.max(1, r.requests.total),
    machineBusyBefore: idleBefore, cpu,
  };
}

async function main() {
  if (!cfg.db) throw new Error('DATABASE_URL must name a database seeded with npm run seed');
  if (!fs.existsSync(path.join(ROOT, 'dist/src/main.js'))) throw new Error('dist/ is missing: run npm run build');
  fs.mkdirSync(RESULTS, { recursive: true });
  const pop = await population(cfg.db);
  if (pop.patients === 0) throw new Error(`no patients of seed ${cfg.seed} in the database: run npm run seed first`);
  log(`${pop.resources} resources, ${pop.patients} patients of seed ${cfg.seed}, ${pop.heavy.length} heavy (${Math.min(...pop.heavySizes)}-${Math.max(...pop.heavySizes)} resources each)`);

  const [port, helloPort] = await Promise.all([proc.freePort(), proc.freePort()]);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-search-bench-'));
  const procs = {};
  const started = new Date();
  try {
    const env = {
      PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: cfg.db, SEED_DEMO: 'false', LOG_LEVEL: 'warn',
      NODE_ENV: '', RATE_LIMIT_PER_SECOND: '0', AUTH_JWKS_URI: '', AUTH_PUBLIC_KEY_FILE: '', AUDIT_ENABLED: String(cfg.audit),
    };
    const args = cfg.profile ? ['--cpu-prof', `--cpu-prof-dir=${RESULTS}`, 'dist/src/main.js'] : ['dist/src/main.js'];
    procs.server = proc.startNode('server', args, env, ROOT);
    procs.hello = proc.startNode('hello', [path.join(__dirname, 'ceilings/hello.js')], { PORT: String(helloPort) }, ROOT);
    await proc.waitForHttp(`http://127.0.0.1:${port}/readyz`, procs.server, 120000);
    await proc.waitForHttp(`http://127.0.0.1:${helloPort}/`, procs.hello, 10000);
    if (cfg.nice !== undefined) {
      const pm = Number(process.env.BENCH_PG_POSTMASTER || 0);
      proc.prioritize(cfg.nice, [procs.server, procs.hello, pm ? { pid: pm } : undefined]);
    }
    const admin = `Bearer ${token(dataDir, 'admin')}`;
    const clinicians = new Map(pop.gps.map((g) => [g.patient_id, `Bearer ${token(dataDir, 'clinician', g.gp)}`]));

    const list = searchScenarios({ base: `http://127.0.0.1:${port}`, helloUrl: `http://127.0.0.1:${helloPort}/`, pop, admin, clinicians, procs })
      .filter((s) => !cfg.only || cfg.only.includes(s.key));
    const results = [];
    for (const s of list) {
      log(`${s.key}: warm-up, then ${cfg.duration} s at ${cfg.connections} connections`);
      const m = await measure(s, procs);
      results.push(m);
      log(
        `${s.key}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, non-2xx ${m.non2xx}, ` +
          `bad bodies ${m.badBodies}, ${Math.round(m.bytesPerResponse / 1024)} KiB/response; CPU app ${m.cpu.app.toFixed(0)}% ` +
          `pg ${m.cpu.pg.toFixed(0)}% ceiling ${m.cpu.ceiling.toFixed(0)}% loadgen ${m.cpu.loadgen.toFixed(0)}% other ${m.cpu.other.toFixed(0)}%`,
      );
    }
    const serverPid = procs.server.pid;
    await proc.stopAll();
    let profile;
    if (cfg.profile) {
      const file = fs.readdirSync(RESULTS).find((f) => f.endsWith('.cpuprofile') && f.includes(`.${serverPid}.`));
      if (file) profile = `${path.join('bench/results', file)}\n${format(topSelfTime(JSON.parse(fs.readFileSync(path.join(RESULTS, file), 'utf8')), 20))}`;
      if (profile) process.stdout.write(`\n${profile}\n`);
    }
    const stamp = started.toISOString().replace(/[:.]/g, '-');
    const out = path.join(RESULTS, `search-${cfg.label}-${stamp}.json`);
    const { gps: _gps, ...facts } = pop;
    fs.writeFileSync(out, JSON.stringify({ started, cfg: { ...cfg, db: undefined }, population: facts, cpus: os.cpus().length, results, profile }, null, 2));
    process.stdout.write(`\n| scenario | req/s | p50 ms | p90 ms | p99 ms | non-2xx | bad | KiB/resp | app CPU | pg CPU | other CPU |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n`);
    for (const m of results) {
      process.stdout.write(
        `| ${m.name} | ${m.rps.toFixed(0)} | ${m.p50.toFixed(2)} | ${m.p90.toFixed(2)} | ${m.p99.toFixed(2)} | ${m.non2xx} | ${m.badBodies} | ${Math.round(m.bytesPerResponse / 1024)} | ${m.cpu.app.toFixed(0)}% | ${m.cpu.pg.toFixed(0)}% | ${m.cpu.other.toFixed(0)}% |\n`,
      );
    }
    log(`wrote ${path.relative(ROOT, out)}`);
  } finally {
    await proc.stopAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => proc.stopAll().finally(() => process.exit(130)));
process.on('exit', proc.killAllNow);
main().catch(async (e) => {
  process.stderr.write(`search bench failed: ${e.stack || e}\n`);
  await proc.stopAll();
  process.exit(1);
});

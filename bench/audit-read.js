'use strict';
// What auditing costs a read (issue 6, item 6): GET /fhir/Patient/{id} against two servers on ONE
// database in ONE run: one with auditing on (every read waits for its AuditEvent to commit,
// group-committed), one with AUDIT_ENABLED=false. Rounds alternate on/off so drift on a shared
// machine hits both alike; the median ratio is the figure. Writes a section of BENCHMARKS.md.
//
// `npm run build && node bench/audit-read.js`
// Environment: BENCH_DURATION (s per measurement, 10), BENCH_ROUNDS (3), BENCH_CONNECTIONS (10),
// BENCH_PATIENTS (2000), BENCH_QUIET_WAIT (s, 10), BENCH_NO_REPORT=1 (print only).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { Client } = require('pg');
const proc = require('./lib/processes');
const payloads = require('./lib/payloads');
const { startBenchPostgres, benchKeys, writeSection, cpuOf, machineLine } = require('./audit-common');

const ROOT = path.resolve(__dirname, '..');
const num = (n, d) => (process.env[n] ? Number(process.env[n]) : d);
const cfg = {
  duration: num('BENCH_DURATION', 10),
  rounds: num('BENCH_ROUNDS', 3),
  connections: num('BENCH_CONNECTIONS', 10),
  patients: num('BENCH_PATIENTS', 2000),
  quietWait: num('BENCH_QUIET_WAIT', 10),
};
const log = (m) => process.stdout.write(`[audit-read ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

async function startServer(name, databaseUrl, keyFile, dataDir, extra) {
  const port = await proc.freePort();
  const env = {
    PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, DATA_DIR: dataDir, AUTH_PUBLIC_KEY_FILE: keyFile,
    AUTH_JWKS_URI: '', SEED_DEMO: 'false', LOG_LEVEL: 'warn', NODE_ENV: '', RATE_LIMIT_PER_SECOND: '0', ...extra,
  };
  const child = proc.startNode(name, ['dist/src/main.js'], env, ROOT);
  await proc.waitForHttp(`http://127.0.0.1:${port}/healthz`, child, 120000);
  return { child, url: `http://127.0.0.1:${port}` };
}

async function seed(url, auth) {
  const ids = [];
  for (let b = 0; b * 100 < cfg.patients; b++) {
    const res = await fetch(`${url}/fhir`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization: auth },
      body: JSON.stringify(payloads.patientBundle(Math.min(100, cfg.patients - b * 100), `audit-read-${b}`)),
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`seeding: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    for (const e of body.entry) ids.push(e.resource.id);
  }
  return ids;
}

function run(url, ids, auth, duration) {
  const latencies = [];
  let bad = 0;
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url,
        connections: cfg.connections,
        pipelining: 1,
        duration,
        headers: { authorization: auth },
        requests: [{ setupRequest: (r) => ({ ...r, path: `/fhir/Patient/${ids[Math.floor(Math.random() * ids.length)]}` }) }],
      },
      (err, result) => (err ? reject(err) : resolve({ result, latencies, bad })),
    );
    inst.on('response', (_c, status, _b, ms) => {
      latencies.push(ms);
      if (status !== 200) bad++;
    });
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist/src/main.js'))) throw new Error('run `npm run build` first');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-audit-read-'));
  fs.chmodSync(dataDir, 0o755);
  const pg = await startBenchPostgres(dataDir);
  const keys = await benchKeys(dataDir);
  const servers = [];
  try {
    log('starting the audited server and the unaudited one on one database');
    const on = await startServer('audit-on', pg.url, keys.publicKeyFile, dataDir, { AUDIT_ENABLED: 'true' });
    servers.push(on.child);
    const off = await startServer('audit-off', pg.url, keys.publicKeyFile, dataDir, { AUDIT_ENABLED: 'false' });
    servers.push(off.child);
    const auth = `Bearer ${await keys.token({ roles: ['admin'], sub: 'bench-admin' })}`;
    log(`seeding ${cfg.patients} Patients`);
    const ids = await seed(on.url, auth);
    const db = new Client({ connectionString: pg.url });
    await db.connect();
    const rows = [];
    for (let round = 1; round <= cfg.rounds; round++) {
      for (const [mode, s] of round % 2 ? [['on', on], ['off', off]] : [['off', off], ['on', on]]) {
        const quiet = await proc.waitForQuiet(cfg.quietWait * 1000);
        await run(s.url, ids, auth, 2); // warm-up
        const before = (await db.query('SELECT coalesce(max(seq), 0) AS seq FROM audit_event')).rows[0].seq;
        const cpu0 = cpuOf(s.child.pid, pg.pid);
        const { result, latencies, bad } = await run(s.url, ids, auth, cfg.duration);
        const cpu = cpuOf(s.child.pid, pg.pid, cpu0);
        const batches = (await db.query('SELECT count(*)::int AS n, count(DISTINCT txid)::int AS tx FROM audit_event WHERE seq > $1', [before])).rows[0];
        latencies.sort((a, b) => a - b);
        const row = {
          round, mode, rps: result.requests.total / cfg.duration, p50: pct(latencies, 50), p99: pct(latencies, 99), bad, quiet,
          events: batches.n, statements: batches.tx, app: cpu.app, pg: cpu.pg, machine: cpu.machine,
        };
        rows.push(row);
        log(`round ${round} audit ${mode}: ${row.rps.toFixed(0)} req/s, p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms, non-200 ${bad}, events ${row.events} in ${row.statements} INSERTs`);
      }
    }
    await db.end();
    const ratios = [];
    for (let r = 1; r <= cfg.rounds; r++) {
      const a = rows.find((x) => x.round === r && x.mode === 'on');
      const b = rows.find((x) => x.round === r && x.mode === 'off');
      ratios.push(a.rps / b.rps);
    }
    const md = report(rows, ratios, await machineLine(pg.url));
    process.stdout.write(`\n${md}\n`);
    if (!process.env.BENCH_NO_REPORT) writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'audit-read', md);
  } finally {
    for (const c of servers) await proc.stop(c);
    await pg.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(rows, ratios, machine) {
  const f = (x, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const lines = [
    '## Audit: what auditing costs a read (bench/audit-read.js)',
    '',
    `- Date: ${new Date().toISOString()}; ${machine}`,
    `- Two servers (\`node dist/src/main.js\`) on one embedded PostgreSQL started by the bench: one with auditing on, one with`,
    `  \`AUDIT_ENABLED=false\`; ${f(cfg.patients)} Patients; \`GET /fhir/Patient/{random id}\` with an admin token, autocannon`,
    `  ${cfg.connections} connections, ${cfg.duration} s per measurement after a 2 s warm-up, ${cfg.rounds} rounds alternating which goes first.`,
    '- Audited reads answer only after their AuditEvent is committed: group commit, at most 2 INSERT statements in',
    '  flight, each carrying every event queued meanwhile (events ÷ INSERTs below is the mean batch).',
    '- The load generator, both servers and PostgreSQL share the machine; CPU is percent of one core.',
    '',
    '| round | auditing | requests/s | p50 ms | p99 ms | non-200 | AuditEvents | INSERTs | app CPU | PostgreSQL CPU | machine |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) =>
      `| ${r.round} | ${r.mode} | ${f(r.rps)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${r.bad} | ${r.mode === 'on' ? f(r.events) : '—'} | ${r.mode === 'on' ? f(r.statements) : '—'} | ${f(r.app)}% | ${f(r.pg)}% | ${f(r.machine)}% |`,
    ),
    '',
    `Audited ÷ unaudited requests/s per round: ${ratios.map((x) => `${f(100 * x)}%`).join(', ')}; median **${f(100 * median(ratios))}%** (goal ≥ 60%: ${median(ratios) >= 0.6 ? 'met' : '**not met**'}).`,
  ];
  return lines.join('\n');
}

main().catch(async (e) => {
  process.stderr.write(`audit-read failed: ${e.stack || e}\n`);
  await proc.stopAll();
  process.exit(1);
});

'use strict';
// What auditing costs a read (issue 6, item 6): GET /fhir/Patient/{id} against two servers on ONE
// database in ONE run: one with auditing on (every read waits for its AuditEvent to commit,
// group-committed), one with AUDIT_ENABLED=false. Rounds alternate on/off so drift on a shared
// machine hits both alike; the median ratio is the figure. Writes a section of BENCHMARKS.md.
//
// `npm run build && node bench/audit-read.js`
// Environment: BENCH_DURATION (s per measurement, 10), BENCH_ROUNDS (5), BENCH_CONNECTIONS (10),
// BENCH_PATIENTS (2000), BENCH_QUIET_WAIT (s, 10), BENCH_ALSO_CONNECTIONS (50: one more on/off pair at
// that concurrency, for context; 0 = none), BENCH_NO_REPORT=1 (print only), BENCH_PROFILE_DIR (a directory:
// both servers under --cpu-prof, top self time printed), BENCH_NICE (e.g. -15: raise the bench's priority, as root).
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
  rounds: num('BENCH_ROUNDS', 5),
  connections: num('BENCH_CONNECTIONS', 10),
  patients: num('BENCH_PATIENTS', 2000),
  quietWait: num('BENCH_QUIET_WAIT', 10),
  alsoConnections: num('BENCH_ALSO_CONNECTIONS', 50),
  /** A directory: both servers run under --cpu-prof and their top self time is printed at the end. */
  profile: process.env.BENCH_PROFILE_DIR || '',
  /** BENCH_NICE (e.g. -15, as root): the bench's processes and PostgreSQL get that priority on a shared machine. */
  nice: process.env.BENCH_NICE ? Number(process.env.BENCH_NICE) : undefined,
};
const log = (m) => process.stdout.write(`[audit-read ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

async function startServer(name, databaseUrl, keyFile, dataDir, extra) {
  const port = await proc.freePort();
  const env = {
    PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, DATA_DIR: dataDir, AUTH_PUBLIC_KEY_FILE: keyFile,
    AUTH_JWKS_URI: '', SEED_DEMO: 'false', LOG_LEVEL: 'warn', NODE_ENV: '', RATE_LIMIT_PER_SECOND: '0', ...extra,
  };
  const args = cfg.profile ? ['--cpu-prof', `--cpu-prof-dir=${cfg.profile}`, `--cpu-prof-name=${name}.cpuprofile`, 'dist/src/main.js'] : ['dist/src/main.js'];
  const child = proc.startNode(name, args, env, ROOT);
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

function run(url, ids, auth, duration, connections = cfg.connections) {
  const latencies = [];
  let bad = 0;
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url,
        connections,
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

/** The group-commit counters the server exports on /metrics. */
async function groupCommit(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const v = (name) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    statements: v('kartoteka_audit_group_commits_total'),
    events: v('kartoteka_audit_group_commit_events_total'),
    seconds: v('kartoteka_audit_group_commit_seconds_total'),
  };
}

/** The floor under any durable write: one-row INSERT + COMMIT round trips, sampled 20 times a second. */
function commitProbe(db) {
  const ms = [];
  let on = true;
  const done = (async () => {
    while (on) {
      const t = process.hrtime.bigint();
      await db.query('INSERT INTO bench_commit_probe VALUES (1)');
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return async () => {
    on = false;
    await done;
    return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)];
  };
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
    if (cfg.nice !== undefined) proc.prioritize(cfg.nice, [on.child, off.child, { pid: pg.pid }]);
    const auth = `Bearer ${await keys.token({ roles: ['admin'], sub: 'bench-admin' })}`;
    log(`seeding ${cfg.patients} Patients`);
    const ids = await seed(on.url, auth);
    const db = new Client({ connectionString: pg.url });
    await db.connect();
    await db.query('CREATE TABLE bench_commit_probe (x int)');
    const probeDb = new Client({ connectionString: pg.url });
    await probeDb.connect();
    const rows = [];
    const measure = async (round, mode, s, connections) => {
      const quiet = await proc.waitForQuiet(cfg.quietWait * 1000);
      await run(s.url, ids, auth, 2, connections); // warm-up
      const gc0 = await groupCommit(s.url);
      const cpu0 = cpuOf(s.child.pid, pg.pid);
      const probe = commitProbe(probeDb);
      const { result, latencies, bad } = await run(s.url, ids, auth, cfg.duration, connections);
      const commitMs = await probe();
      const cpu = cpuOf(s.child.pid, pg.pid, cpu0);
      const gc1 = await groupCommit(s.url);
      latencies.sort((a, b) => a - b);
      const statements = gc1.statements - gc0.statements;
      const row = {
        round, mode, connections, rps: result.requests.total / cfg.duration, p50: pct(latencies, 50), p99: pct(latencies, 99), bad, quiet, commitMs,
        events: gc1.events - gc0.events, statements, flushMs: statements ? (1000 * (gc1.seconds - gc0.seconds)) / statements : NaN,
        app: cpu.app, pg: cpu.pg, machine: cpu.machine,
      };
      rows.push(row);
      log(`round ${round} audit ${mode} (${connections} connections): ${row.rps.toFixed(0)} req/s, p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms, ` +
        `non-200 ${bad}, events ${row.events} in ${row.statements} INSERTs of ${row.flushMs.toFixed(1)} ms; bare commit ${commitMs.toFixed(1)} ms; machine ${row.machine.toFixed(0)}%`);
    };
    for (let round = 1; round <= cfg.rounds; round++) {
      for (const [mode, s] of round % 2 ? [['on', on], ['off', off]] : [['off', off], ['on', on]]) await measure(round, mode, s, cfg.connections);
    }
    if (cfg.alsoConnections) {
      await measure('+', 'on', on, cfg.alsoConnections);
      await measure('+', 'off', off, cfg.alsoConnections);
    }
    await db.end();
    await probeDb.end();
    const ratios = [];
    const ceilings = [];
    for (let r = 1; r <= cfg.rounds; r++) {
      const a = rows.find((x) => x.round === r && x.mode === 'on');
      const b = rows.find((x) => x.round === r && x.mode === 'off');
      ratios.push(a.rps / b.rps);
      // Closed loop: a connection's request takes (connections / req/s) unaudited; an audited one at least one commit more.
      const unaudited = (1000 * cfg.connections) / b.rps;
      ceilings.push(unaudited / (unaudited + a.commitMs));
    }
    const md = report(rows, ratios, ceilings, await machineLine(pg.url));
    process.stdout.write(`\n${md}\n`);
    if (!process.env.BENCH_NO_REPORT) writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'audit-read', md);
  } finally {
    for (const c of servers) await proc.stop(c);
    if (cfg.profile) printProfiles();
    await pg.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function printProfiles() {
  const { topSelfTime, format } = require('./top-profile');
  for (const name of ['audit-on', 'audit-off']) {
    const file = path.join(cfg.profile, `${name}.cpuprofile`);
    if (!fs.existsSync(file)) continue;
    process.stdout.write(`\n${name}:\n${format(topSelfTime(JSON.parse(fs.readFileSync(file, 'utf8')), 30))}\n`);
  }
}

function report(rows, ratios, ceilings, machine) {
  const f = (x, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const lines = [
    '## Audit: what auditing costs a read (bench/audit-read.js)',
    '',
    `- Date: ${new Date().toISOString()}; ${machine}`,
    `- Two servers (\`node dist/src/main.js\`) on one embedded PostgreSQL started by the bench: one with auditing on, one with`,
    `  \`AUDIT_ENABLED=false\`; ${f(cfg.patients)} Patients; \`GET /fhir/Patient/{random id}\` with an admin token, autocannon`,
    `  ${cfg.connections} connections, ${cfg.duration} s per measurement after a 2 s warm-up, ${cfg.rounds} rounds alternating which goes first.`,
    '- Audited reads answer only after their AuditEvent is committed: group commit, at most 2 INSERT statements in',
    '  flight, each carrying every event queued meanwhile; "INSERT ms" is the mean time of one such statement',
    '  (execution + COMMIT), from the server\'s /metrics. "bare commit" is the median round trip of a one-row',
    '  INSERT + COMMIT sampled 20 times a second during the same measurement: the floor under any durable write.',
    '- The load generator, both servers and PostgreSQL share the machine (and other work on it); CPU is percent of one',
    '  core, "machine" is the whole machine (200% = both cores busy).',
    '',
    '| round | auditing | connections | requests/s | p50 ms | p99 ms | non-200 | AuditEvents | INSERTs | events/INSERT | INSERT ms | bare commit ms | app CPU | PostgreSQL CPU | machine |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => {
      const on = r.mode === 'on';
      return `| ${r.round} | ${r.mode} | ${r.connections} | ${f(r.rps)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${r.bad} | ${on ? f(r.events) : '—'} | ${on ? f(r.statements) : '—'} | ${on ? f(r.events / r.statements, 1) : '—'} | ${on ? f(r.flushMs, 1) : '—'} | ${f(r.commitMs, 1)} | ${f(r.app)}% | ${f(r.pg)}% | ${f(r.machine)}% |`;
    }),
    '',
    `Audited ÷ unaudited requests/s per round (${cfg.connections} connections): ${ratios.map((x) => `${f(100 * x)}%`).join(', ')}; median **${f(100 * median(ratios))}%** (goal ≥ 60%: ${median(ratios) >= 0.6 ? 'met' : '**not met**'}).`,
    '',
    `The physical ceiling of that ratio in each round, if auditing cost nothing but one durable commit per request (unaudited time`,
    `per request ÷ (that + the bare commit)): ${ceilings.map((x) => `${f(100 * x)}%`).join(', ')}; median ${f(100 * median(ceilings))}%.`,
    ...(cfg.alsoConnections
      ? (() => {
          const a = rows.find((x) => x.round === '+' && x.mode === 'on');
          const b = rows.find((x) => x.round === '+' && x.mode === 'off');
          return ['', `At ${cfg.alsoConnections} connections (one pair, for context): ${f((100 * a.rps) / b.rps)}% (batches of ${f(a.events / a.statements, 1)} events).`];
        })()
      : []),
  ];
  return lines.join('\n');
}

main().catch(async (e) => {
  process.stderr.write(`audit-read failed: ${e.stack || e}\n`);
  await proc.stopAll();
  process.exit(1);
});

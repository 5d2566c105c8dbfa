'use strict';
// What access control costs (issue 5, item 6): read by id and search, in ONE run against ONE
// server, as an admin (no compiled scope: access off) and as clinician pract-1 of the demo city
// (the clinician-reach predicate compiled into every query: access on). Auditing is off here so
// the audit's disk flush does not hide the difference. Rounds alternate on/off; the median
// ratio is the figure. Writes a section of BENCHMARKS.md.
//
// `npm run build && node bench/access-overhead.js`
// Environment: BENCH_DURATION (s per measurement, 8), BENCH_ROUNDS (3), BENCH_CONNECTIONS (10).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const proc = require('./lib/processes');
const { startBenchPostgres, benchKeys, writeSection, machineLine } = require('./audit-common');

const ROOT = path.resolve(__dirname, '..');
const num = (n, d) => (process.env[n] ? Number(process.env[n]) : d);
const cfg = { duration: num('BENCH_DURATION', 8), rounds: num('BENCH_ROUNDS', 3), connections: num('BENCH_CONNECTIONS', 10) };
const log = (m) => process.stdout.write(`[access ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

function run(url, auth, paths) {
  const latencies = [];
  let bad = 0;
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url, connections: cfg.connections, pipelining: 1, duration: cfg.duration, headers: { authorization: auth },
        requests: [{ setupRequest: (r) => ({ ...r, path: paths[Math.floor(Math.random() * paths.length)] }) }],
      },
      (err, result) => (err ? reject(err) : resolve({ rps: result.requests.total / cfg.duration, latencies: latencies.sort((a, b) => a - b), bad })),
    );
    inst.on('response', (_c, status, _b, ms) => {
      latencies.push(ms);
      if (status !== 200) bad++;
    });
  });
}

const pct = (s, p) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const { demoCity } = require(path.join(ROOT, 'dist/src/seed/demo-city.js'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-access-'));
  fs.chmodSync(dataDir, 0o755);
  const pg = await startBenchPostgres(dataDir);
  const keys = await benchKeys(dataDir);
  let server;
  try {
    const port = await proc.freePort();
    server = proc.startNode('server', ['dist/src/main.js'], {
      PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: pg.url, DATA_DIR: dataDir, AUTH_PUBLIC_KEY_FILE: keys.publicKeyFile,
      AUTH_JWKS_URI: '', SEED_DEMO: 'false', LOG_LEVEL: 'warn', NODE_ENV: '', AUDIT_ENABLED: 'false', RATE_LIMIT_PER_SECOND: '0',
    }, ROOT);
    const url = `http://127.0.0.1:${port}`;
    await proc.waitForHttp(`${url}/healthz`, server, 120000);
    const admin = `Bearer ${await keys.token({ roles: ['admin'], sub: 'bench-admin' })}`;
    const clinician = `Bearer ${await keys.token({ roles: ['clinician'], fhirUser: 'Practitioner/pract-1', sub: 'bench-clinician' })}`;
    const res = await fetch(`${url}/fhir`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', authorization: admin }, body: JSON.stringify(demoCity()) });
    if (res.status !== 200) throw new Error(`seeding: HTTP ${res.status}`);
    // Patients of polyclinic 1 (attached to pract-1's organization): both callers may see them.
    const visible = ['pat-1', 'pat-4', 'pat-7', 'pat-10'];
    const scenarios = {
      read: visible.map((p) => `/fhir/Patient/${p}`),
      search: visible.map((p) => `/fhir/Observation?patient=${p}&_count=20`),
    };
    const rows = [];
    for (const [name, paths] of Object.entries(scenarios)) {
      for (let round = 1; round <= cfg.rounds; round++) {
        const order = round % 2 ? [['off', admin], ['on', clinician]] : [['on', clinician], ['off', admin]];
        for (const [mode, auth] of order) {
          await proc.waitForQuiet(5000);
          const r = await run(url, auth, paths);
          rows.push({ name, round, mode, ...r });
          log(`${name} round ${round} access ${mode}: ${r.rps.toFixed(0)} req/s, p50 ${pct(r.latencies, 50).toFixed(2)} ms, p99 ${pct(r.latencies, 99).toFixed(2)} ms, non-200 ${r.bad}`);
        }
      }
    }
    const lines = [
      '## Access control: what it costs (bench/access-overhead.js)',
      '',
      `- Date: ${new Date().toISOString()}; ${await machineLine(pg.url)}`,
      `- One server, auditing off, demo city; ${cfg.connections} connections, ${cfg.duration} s per measurement, ${cfg.rounds} alternating rounds.`,
      '- "off" = an admin token (no access predicate); "on" = clinician pract-1 (the clinician-reach predicate in every query, and a visibility check on reads).',
      '',
      '| scenario | access off req/s | access on req/s | on ÷ off (median of rounds) | on p50 ms | on p99 ms | non-200 |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const name of Object.keys(scenarios)) {
      const ratios = [];
      for (let r = 1; r <= cfg.rounds; r++) {
        ratios.push(rows.find((x) => x.name === name && x.round === r && x.mode === 'on').rps / rows.find((x) => x.name === name && x.round === r && x.mode === 'off').rps);
      }
      const off = rows.filter((x) => x.name === name && x.mode === 'off');
      const on = rows.filter((x) => x.name === name && x.mode === 'on');
      const all = on.flatMap((x) => x.latencies).sort((a, b) => a - b);
      lines.push(`| ${name} | ${median(off.map((x) => x.rps)).toFixed(0)} | ${median(on.map((x) => x.rps)).toFixed(0)} | ${median(ratios).toFixed(2)} | ${pct(all, 50).toFixed(2)} | ${pct(all, 99).toFixed(2)} | ${on.reduce((a, x) => a + x.bad, 0) + off.reduce((a, x) => a + x.bad, 0)} |`);
    }
    lines.push('', 'Goal (issue 5): overhead under 15% of requests/s, i.e. on ÷ off ≥ 0.85.');
    const md = lines.join('\n');
    process.stdout.write(`\n${md}\n`);
    if (!process.env.BENCH_NO_REPORT) writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'access-overhead', md);
  } finally {
    if (server) await proc.stop(server);
    await pg.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`access-overhead: ${e.stack || e}\n`);
  proc.killAllNow();
  process.exit(1);
});

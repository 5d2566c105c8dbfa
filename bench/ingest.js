'use strict';
// Transaction ingest alone, for before/after comparisons of the write path on a shared machine:
// `node bench/ingest.js DIR[,DIR...]` starts the server built in each DIR (dist/src/main.js) in
// turn, each on a fresh scratch database of DATABASE_URL's server, and posts run.js's ingest
// Bundles (1 Patient + 99 Observations) for BENCH_DURATION seconds (15) with BENCH_CONNECTIONS (10)
// after a warm-up; BENCH_ROUNDS (2) rounds, alternating which DIR goes first. Prints one line per
// measurement: resources/s, and the CPU the server and its PostgreSQL backends spent per resource
// (less disturbed by other work on the machine than the rate). Needs DATABASE_URL (a superuser,
// to create and drop the scratch databases BENCH_DB_PREFIX_<pid>, default kt_ingest_bench_<pid>).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const autocannon = require('autocannon');
const { Client } = require('pg');
const proc = require('./lib/processes');
const payloads = require('./lib/payloads');

const dirs = (process.argv[2] || path.join(__dirname, '..')).split(',').map((d) => path.resolve(d));
const duration = Number(process.env.BENCH_DURATION || 15);
const connections = Number(process.env.BENCH_CONNECTIONS || 10);
const rounds = Number(process.env.BENCH_ROUNDS || 2);
const size = 100;
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) throw new Error('DATABASE_URL is required');

async function admin(sql) {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** CPU ticks of the server process and of the backends connected to `db`. */
function ticks(serverPid, db) {
  let app = 0;
  let pg = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const t = Number(f[11]) + Number(f[12]);
      if (Number(d) === serverPid) app += t;
      else if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(` ${db} `)) pg += t;
    } catch {
      // the process ended meanwhile
    }
  }
  return { app, pg };
}

function cannon(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections, pipelining: 1, timeout: 60, ...opts }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

async function measure(dir, label) {
  const db = `${process.env.BENCH_DB_PREFIX || 'kt_ingest_bench'}_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS ${db}`);
  await admin(`CREATE DATABASE ${db}`);
  const url = new URL(adminUrl);
  url.pathname = `/${db}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-ingest-'));
  const port = await proc.freePort();
  const env = { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: url.toString(), SEED_DEMO: 'false',
    LOG_LEVEL: 'warn', NODE_ENV: '', RATE_LIMIT_PER_SECOND: '0', AUTH_JWKS_URI: '', AUTH_PUBLIC_KEY_FILE: '' };
  const server = proc.startNode('server', ['dist/src/main.js'], env, dir);
  try {
    await proc.waitForHttp(`http://127.0.0.1:${port}/readyz`, server, 120000);
    const token = execFileSync(process.execPath, ['dist/src/cli/token.js', '--role', 'system', '--sub', 'ingest-bench', '--scope', 'system/*.cruds'], {
      cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' }).trim();
    let n = 0;
    let bad = 0;
    const requests = [{
      method: 'POST',
      path: '/fhir',
      headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', authorization: `Bearer ${token}` },
      setupRequest: (req) => ({ ...req, body: JSON.stringify(payloads.ingestBundle(size, `ingest-${label}-${n++}`)) }),
      onResponse: (status, body) => {
        if (status !== 200 || body.split('"status":"201"').length - 1 !== size) bad++;
      },
    }];
    const opts = { url: `http://127.0.0.1:${port}`, requests };
    await cannon({ ...opts, amount: connections * 3 });
    const before = ticks(server.pid, db);
    const r = await cannon({ ...opts, duration });
    const after = ticks(server.pid, db);
    const resources = r.requests.total * size;
    const perK = (t) => ((t / 100 / resources) * 1000 * 1000).toFixed(0);
    return { label, resourcesPerSecond: Math.round(resources / r.duration), requests: r.requests.total, bad: bad + r.non2xx,
      appUsPerResource: perK(after.app - before.app), pgUsPerResource: perK(after.pg - before.pg),
      load: fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0] };
  } finally {
    await proc.stop(server);
    fs.rmSync(dataDir, { recursive: true, force: true });
    await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  }
}

async function main() {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...dirs].reverse() : dirs;
    for (const dir of order) console.log(JSON.stringify({ round: round + 1, dir, ...(await measure(dir, `${round}-${path.basename(dir)}`)) }));
  }
}

main().then(() => proc.stopAll(), (e) => {
  console.error(e);
  proc.killAllNow();
  process.exit(1);
});

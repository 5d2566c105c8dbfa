'use strict';
// Proves `/audit/export` streams in constant memory (issue 6, item 4): inserts BENCH_EVENTS
// (1,000,000) AuditEvents straight into audit_event with bulk SQL, lets the sealer chain them,
// then exports them through the server as NDJSON and CSV, and once more to a client that reads
// slowly, sampling the server's RSS from /proc all along. Writes a section of BENCHMARKS.md.
//
// `npm run build && node bench/audit-export.js`
// Environment: BENCH_EVENTS (1000000), BENCH_SLOW_SECONDS (15), BENCH_NO_REPORT=1 (print only).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');
const proc = require('./lib/processes');
const { startBenchPostgres, benchKeys, writeSection, rssMiB, machineLine } = require('./audit-common');

const ROOT = path.resolve(__dirname, '..');
const EVENTS = Number(process.env.BENCH_EVENTS || 1_000_000);
const SLOW_SECONDS = Number(process.env.BENCH_SLOW_SECONDS || 15);
const CHUNK = 100_000;
const log = (m) => process.stdout.write(`[audit-export ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

/** A realistic stored AuditEvent (a clinician's read), made by the server's own builder, with placeholders. */
function template() {
  const { buildAuditRecord, PATIENT_ENTITY_PREFIX, PATIENT_ENTITY_SUFFIX } = require(path.join(ROOT, 'dist/src/audit/audit-event.builder.js'));
  const r = buildAuditRecord({
    ctx: {
      requestId: 'bench', baseUrl: '', clientAddress: '10.20.30.40',
      principal: { sub: 'dr-bench', roles: ['clinician'], fhirUser: { resourceType: 'Practitioner', id: 'pract-bench' } },
    },
    type: 'rest', subtype: 'read', action: 'R', outcome: '0', entities: ['Observation/@OBS@'], rids: ['1'],
    id: '@ID@', recorded: new Date('2000-01-01T00:00:00.000Z'),
  });
  const patient = PATIENT_ENTITY_PREFIX + JSON.stringify('Patient/@PAT@') + PATIENT_ENTITY_SUFFIX;
  return (r.head + r.open + patient + r.close + r.tail).replaceAll('2000-01-01T00:00:00.000Z', '@TS@');
}

const BULK = `
INSERT INTO audit_event (id, recorded, type, subtype, action, outcome, patients, content)
SELECT x.id, x.ts, 'rest', 'read', 'R', '0', ARRAY[x.pat],
       replace(replace(replace(replace($1, '@ID@', x.id), '@TS@', to_char(x.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
               '@PAT@', x.pat), '@OBS@', 'obs-' || x.g)
  FROM (SELECT g, gen_random_uuid()::text AS id, $2::timestamptz + g * interval '40 ms' AS ts, 'pat-' || (g % 50000) AS pat
          FROM generate_series($3::int, $4::int) AS g) x`;

async function startServer(databaseUrl, keyFile, dataDir) {
  const port = await proc.freePort();
  const env = {
    PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, DATA_DIR: dataDir, AUTH_PUBLIC_KEY_FILE: keyFile,
    AUTH_JWKS_URI: '', SEED_DEMO: 'false', LOG_LEVEL: 'warn', NODE_ENV: '', RATE_LIMIT_PER_SECOND: '0',
  };
  const child = proc.startNode('server', ['dist/src/main.js'], env, ROOT);
  await proc.waitForHttp(`http://127.0.0.1:${port}/healthz`, child, 120000);
  return { child, url: `http://127.0.0.1:${port}` };
}

/** Samples a process's RSS every 200 ms until stopped. */
function sampler(pid) {
  const samples = [];
  const timer = setInterval(() => samples.push(rssMiB(pid)), 200);
  return {
    stop() {
      clearInterval(timer);
      samples.push(rssMiB(pid));
      const s = [...samples].sort((a, b) => a - b);
      return { min: s[0], p50: s[Math.floor(s.length / 2)], max: s[s.length - 1], n: s.length };
    },
  };
}

/** Downloads an export, counting bytes and lines; `bytesPerSecond` throttles the reader; `maxSeconds` aborts. */
async function download(url, auth, { bytesPerSecond, maxSeconds } = {}) {
  const abort = new AbortController();
  const t0 = Date.now();
  const res = await fetch(url, { headers: { authorization: auth }, signal: abort.signal });
  if (res.status !== 200) throw new Error(`export: HTTP ${res.status} ${await res.text()}`);
  let bytes = 0;
  let lines = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
      if (bytesPerSecond) {
        const due = t0 + (1000 * bytes) / bytesPerSecond;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      if (maxSeconds && Date.now() - t0 > maxSeconds * 1000) {
        abort.abort();
        break;
      }
    }
  } catch (e) {
    if (!abort.signal.aborted) throw e;
  }
  return { bytes, lines, seconds: (Date.now() - t0) / 1000, headers: res.headers };
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist/src/main.js'))) throw new Error('run `npm run build` first');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-audit-export-'));
  fs.chmodSync(dataDir, 0o755);
  const pg = await startBenchPostgres(dataDir);
  const keys = await benchKeys(dataDir);
  let server;
  try {
    server = await startServer(pg.url, keys.publicKeyFile, dataDir);
    const auth = `Bearer ${await keys.token({ roles: ['auditor'], sub: 'bench-auditor' })}`;
    const db = new Client({ connectionString: pg.url });
    await db.connect();
    const text = template();
    const start = new Date(Date.now() - EVENTS * 40 - 60_000);
    log(`inserting ${EVENTS.toLocaleString('en-US')} AuditEvents (${text.length} bytes of JSON each) with bulk SQL`);
    const t0 = Date.now();
    for (let from = 1; from <= EVENTS; from += CHUNK) {
      await db.query(BULK, [text, start.toISOString(), from, Math.min(EVENTS, from + CHUNK - 1)]);
    }
    const insertSeconds = (Date.now() - t0) / 1000;
    const size = (await db.query(`SELECT pg_size_pretty(pg_total_relation_size('audit_event')) AS s`)).rows[0].s;
    log(`inserted in ${insertSeconds.toFixed(0)} s; audit_event is ${size}; waiting for the sealer`);
    const t1 = Date.now();
    const sealRss = sampler(server.child.pid);
    for (;;) {
      const n = Number((await db.query('SELECT count(*) AS n FROM audit_seal')).rows[0].n);
      if (n >= EVENTS) break;
      if (Date.now() - t1 > 30 * 60_000) throw new Error(`the sealer sealed only ${n} in 30 minutes`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const sealSeconds = (Date.now() - t1) / 1000;
    const sealMem = sealRss.stop();
    log(`sealed in ${sealSeconds.toFixed(0)} s (RSS max ${sealMem.max.toFixed(0)} MiB)`);

    const verifyRss = sampler(server.child.pid);
    const t2 = Date.now();
    const verify = await (await fetch(`${server.url}/fhir/AuditEvent/$verify`, { headers: { authorization: auth } })).json();
    const verifySeconds = (Date.now() - t2) / 1000;
    const verifyMem = verifyRss.stop();
    log(`$verify: ${JSON.stringify(verify.parameter)} in ${verifySeconds.toFixed(0)} s`);

    await new Promise((r) => setTimeout(r, 3000));
    const idle = rssMiB(server.child.pid);
    const runs = [];
    for (const [name, query, opts] of [
      ['NDJSON, read as fast as it comes', 'format=ndjson', {}],
      ['CSV, read as fast as it comes', 'format=csv', {}],
      [`NDJSON, client reading 1 MB/s, gone after ${SLOW_SECONDS} s`, 'format=ndjson', { bytesPerSecond: 1_000_000, maxSeconds: SLOW_SECONDS }],
    ]) {
      const s = sampler(server.child.pid);
      const d = await download(`${server.url}/audit/export?${query}`, auth, opts);
      const mem = s.stop();
      runs.push({ name, ...d, mem });
      log(`${name}: ${d.lines.toLocaleString('en-US')} lines, ${(d.bytes / 2 ** 20).toFixed(0)} MiB in ${d.seconds.toFixed(1)} s; RSS ${mem.min.toFixed(0)}-${mem.max.toFixed(0)} MiB`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    const exported = Number((await db.query(`SELECT count(*) AS n FROM audit_event WHERE type = '110106'`)).rows[0].n);
    await db.end();
    const md = report({ text, insertSeconds, size, sealSeconds, sealMem, verify, verifySeconds, verifyMem, idle, runs, exported, machine: await machineLine(pg.url) });
    process.stdout.write(`\n${md}\n`);
    if (!process.env.BENCH_NO_REPORT) writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'audit-export', md);
  } finally {
    if (server) await proc.stop(server.child);
    await pg.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(r) {
  const f = (x, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const param = (n) => r.verify.parameter.find((p) => p.name === n);
  return [
    '## Audit export: constant memory (bench/audit-export.js)',
    '',
    `- Date: ${new Date().toISOString()}; ${r.machine}`,
    `- ${f(EVENTS)} AuditEvents inserted straight into \`audit_event\` with bulk SQL (${f(r.text.length)} bytes of JSON each, a`,
    `  clinician's read as the server records it) in ${f(r.insertSeconds)} s; the table with its indexes: ${r.size}.`,
    '- One server (`node dist/src/main.js`, default pool); its RSS (`/proc/<pid>/status` VmRSS) sampled every 200 ms.',
    '',
    '| step | events | MiB sent | seconds | events/s | server RSS min–max (MiB) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| sealer chains the backlog (5,000 a round, rounds back to back) | ${f(EVENTS)} | — | ${f(r.sealSeconds)} | ${f(EVENTS / r.sealSeconds)} | ${f(r.sealMem.min)}–${f(r.sealMem.max)} |`,
    `| \`$verify\` walks the whole chain (result ${param('result')?.valueBoolean}, checked ${f(param('checked')?.valueInteger ?? 0)}) | ${f(param('checked')?.valueInteger ?? 0)} | — | ${f(r.verifySeconds)} | ${f((param('checked')?.valueInteger ?? 0) / r.verifySeconds)} | ${f(r.verifyMem.min)}–${f(r.verifyMem.max)} |`,
    ...r.runs.map((x) => {
      const events = x.name.startsWith('CSV') ? x.lines - 1 : x.lines;
      return `| export: ${x.name} | ${f(events)} | ${f(x.bytes / 2 ** 20)} | ${f(x.seconds, 1)} | ${f(events / x.seconds)} | ${f(x.mem.min)}–${f(x.mem.max)} |`;
    }),
    '',
    `Server RSS when idle before the exports: ${f(r.idle)} MiB. Memory does not follow the size of the export: the cursor`,
    `fetches 500 rows only when the previous chunk has gone to the socket, so a slow client holds the server at the same`,
    `RSS as a fast one (and the database transaction open). Each export recorded its own AuditEvent (${r.exported} Export events).`,
  ].join('\n');
}

main().catch(async (e) => {
  process.stderr.write(`audit-export failed: ${e.stack || e}\n`);
  await proc.stopAll();
  process.exit(1);
});

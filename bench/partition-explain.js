'use strict';
// Planning and execution time of the hot queries, as the server's compiled code builds them, for
// docs/SCALING.md (partitioned vs unpartitioned). KT_DIST picks the build whose SQL is measured
// (default dist/; a build of the commit before partitioning gives the "before" figures).
//
//   DATABASE_URL=postgres://.../kt_part_10m node bench/partition-explain.js [patient] [heavy] [--plans]
//
// Each query: 5 warm-up runs, then RUNS runs of EXPLAIN (ANALYZE, FORMAT JSON); reported: median
// and p90 of planning and execution time, shared buffers of the last run, rows. Read by id runs
// as the server runs it: a named prepared statement (a generic plan after the fifth execution),
// EXPLAIN'd through EXECUTE; so does $everything (the server names it too). Then the wall time of
// the same statement sent from Node the way the server sends it (named or not).
const path = require('node:path');
const { Client } = require('pg');

const dist = path.resolve(process.env.KT_DIST || path.join(__dirname, '..', 'dist'), 'src');
const req = (m) => require(path.join(dist, m));
const { parseSearch } = req('fhir/search/parse/parse-search');
const { SearchQuery } = req('fhir/search/search-query');
const { CompileScope } = req('fhir/search/compile/compile-filter');
const { getSearchParameterRegistry } = req('fhir/search/registry/search-parameter-registry');
const { everythingSql } = req('fhir/operations/patient-everything.query');
const { ResourceStore } = req('fhir/store/resource-store');
let partitionOfPatient;
try {
  ({ partitionOfPatient } = req('fhir/store/partition-key'));
} catch {
  partitionOfPatient = undefined;
}
const RUNS = Number(process.env.RUNS || 15);

const capture = () => {
  let captured;
  const q = {
    query: async (a, values) => {
      captured = typeof a === 'string' ? { text: a, values } : { text: a.text, values: a.values, name: a.name };
      return { rows: [] };
    },
  };
  return { q, get: () => captured };
};

/** The SQL the server sends for a search page (named when the server prepares it: a search pinned to a patient). */
async function searchSql(c, type, query) {
  const now = new Date();
  const r = parseSearch(getSearchParameterRegistry(), type, new URLSearchParams(query), { strict: false, baseUrl: 'http://x/fhir', now });
  let partitions;
  let pinned;
  if (partitionOfPatient) {
    const { pinnedPatient } = req('fhir/search/compile/partition-bound');
    pinned = pinnedPatient(r.resourceTypes, r.filters);
    // As SearchService does: the patient's own partition; the page statement reports moved ones (kt_moved).
    if (pinned !== undefined) partitions = (id) => (id === pinned ? [partitionOfPatient(pinned)] : undefined);
  }
  const sq = new SearchQuery(r, new CompileScope('http://x/fhir', now, undefined, partitions));
  const cap = capture();
  await sq.page(cap.q, r.count + 1, undefined, pinned);
  return cap.get();
}

async function storeSql(fn) {
  const cap = capture();
  await fn(new ResourceStore(cap.q), cap.q);
  return cap.get();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];

function literal(v) {
  if (v === null || v === undefined) return 'NULL';
  if (Array.isArray(v)) return `ARRAY[${v.map(literal).join(',')}]::text[]`;
  if (typeof v === 'number') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

async function measure(c, title, sql, prepared, showPlan) {
  let explain;
  if (prepared) {
    const name = `kt_px_${Math.random().toString(36).slice(2, 8)}`;
    await c.query(`PREPARE ${name} AS ${sql.text}`);
    const exec = `EXECUTE ${name}(${sql.values.map(literal).join(', ')})`;
    for (let i = 0; i < 6; i++) await c.query(exec);
    explain = (opts) => c.query(`EXPLAIN (${opts}) ${exec}`);
  } else {
    for (let i = 0; i < 5; i++) await c.query(sql.text, sql.values);
    explain = (opts) => c.query(`EXPLAIN (${opts}) ${sql.text}`, sql.values);
  }
  const plan = [];
  const exec = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    const [j] = (await explain('ANALYZE, BUFFERS, FORMAT JSON')).rows[0]['QUERY PLAN'];
    plan.push(j['Planning Time']);
    exec.push(j['Execution Time']);
    last = j;
  }
  const buffers = last.Plan['Shared Hit Blocks'] + last.Plan['Shared Read Blocks'];
  // Wall time from Node as the server sends it: a named statement (generic plan once it settles)
  // where the server names it, else unnamed (planned on every call).
  const wall = [];
  const send = prepared ? { name: `kt_pw_${Math.random().toString(36).slice(2, 8)}`, text: sql.text, values: sql.values } : { text: sql.text, values: sql.values };
  for (let i = 0; i < 6; i++) await c.query(send);
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    await c.query(send);
    wall.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const row = { title, planMedian: median(plan), planP90: p90(plan), execMedian: median(exec), execP90: p90(exec), wallMedian: median(wall), wallP90: p90(wall), buffers, rows: last.Plan['Actual Rows'] };
  if (showPlan) {
    row.plan = (await explain('ANALYZE, BUFFERS')).rows.map((r) => r['QUERY PLAN']).join('\n');
    row.sql = sql.text;
  }
  return row;
}

async function main() {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const showPlans = process.argv.includes('--plans');
  // The server's session settings (JIT off) when the build has them.
  let options;
  try {
    ({ SESSION_OPTIONS: options } = req('database/database.module'));
  } catch {
    options = undefined;
  }
  const c = new Client({ connectionString: process.env.DATABASE_URL, options });
  await c.connect();
  try {
    const patient = args[0] || 'p1-1001';
    const heavy = args[1] || 'p1-1000';
    const db = (await c.query('SELECT current_database() AS d')).rows[0].d;
    const obs = (await c.query(`SELECT x.rid FROM sp_reference x WHERE x.target_id = $1 AND x.target_type = 'Patient' AND x.resource_type = 'Observation' AND x.param = 'patient' LIMIT 1`, [patient])).rows[0];
    const obsId = (await c.query('SELECT id FROM resource WHERE rid = $1', [obs.rid])).rows[0].id;
    const pinnedSearch = await searchSql(c, 'Observation', `patient=${patient}&code=http://loinc.org|8867-4&date=ge2020-01-01`);
    const queries = [
      ['read Patient/' + patient + ' (prepared, generic plan)', await storeSql((s, q) => s.read('Patient', patient, q)), true],
      ['read Observation/' + obsId + ' (prepared, generic plan)', await storeSql((s, q) => s.read('Observation', obsId, q)), true],
      [`Observation?patient=${patient}&code=http://loinc.org|8867-4&date=ge2020-01-01 (prepared when the server names it)`, pinnedSearch, !!pinnedSearch.name],
      [`Observation?code=http://loinc.org|8867-4&date=ge2025-06-01 (no patient: every partition)`, await searchSql(c, 'Observation', 'code=http://loinc.org|8867-4&date=ge2025-06-01'), false],
      [`Patient/${heavy}/$everything?_count=1000`, everythingSql({ patientId: heavy, limit: 1001 }), true],
      [`Patient/${patient}/$everything`, everythingSql({ patientId: patient, limit: 1001 }), true],
      [`Patient/${patient}/_history`, await storeSql((s, q) => s.history({ resourceType: 'Patient', id: patient, count: 20 }, q)), false],
      ['Observation/_history?_count=20 (type history: every partition)', await storeSql((s, q) => s.history({ resourceType: 'Observation', count: 20 }, q)), false],
    ];
    const results = [];
    for (const [title, sql, prepared] of queries) results.push(await measure(c, title, sql, prepared, showPlans));
    const n = (await c.query("SELECT reltuples::bigint AS n FROM pg_class WHERE relname IN ('resource') ")).rows[0].n;
    process.stdout.write(JSON.stringify({ db, dist, at: new Date().toISOString(), load: require('node:os').loadavg(), resourcesEstimate: n, results }, null, 1) + '\n');
  } finally {
    await c.end();
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});

'use strict';
// EXPLAIN (ANALYZE, BUFFERS) of the SQL the server really sends for the benchmark's queries
// (built by the compiled code in dist/, not written by hand), as Markdown for docs/EXPLAIN.md.
//
//   DATABASE_URL=postgres://.../kt_bench_search node bench/search-explain.js [patient] [heavy patient]
//
// Each query runs 5 times first, so the plan shown is a warm one (buffers "hit", not "read").
const path = require('node:path');
const { Client } = require('pg');

const dist = path.join(__dirname, '..', 'dist', 'src');
const { parseSearch } = require(path.join(dist, 'fhir/search/parse/parse-search'));
const { SearchQuery } = require(path.join(dist, 'fhir/search/search-query'));
const { CompileScope } = require(path.join(dist, 'fhir/search/compile/compile-filter'));
const { getSearchParameterRegistry } = require(path.join(dist, 'fhir/search/registry/search-parameter-registry'));
const { everythingSql } = require(path.join(dist, 'fhir/operations/patient-everything.query'));
const { ClinicianReachScope } = require(path.join(dist, 'access/scopes'));
const { ClinicianReach } = require(path.join(dist, 'access/clinician-reach'));

async function searchSql(query) {
  const now = new Date();
  const req = parseSearch(getSearchParameterRegistry(), 'Observation', new URLSearchParams(query), { strict: false, baseUrl: 'http://x/fhir', now });
  // As SearchService does: a search pinned to one patient is bounded to its partition(s).
  const { pinnedPatient } = require(path.join(dist, 'fhir/search/compile/partition-bound'));
  const { partitionOfPatient } = require(path.join(dist, 'fhir/store/partition-key'));
  const pinned = pinnedPatient(req.resourceTypes, req.filters);
  const partitions = pinned === undefined ? undefined : (p) => (p === pinned ? [partitionOfPatient(p)] : undefined);
  const q = new SearchQuery(req, new CompileScope('http://x/fhir', now, undefined, partitions));
  let captured;
  // page() sends a named statement ({ name, text, values }); EXPLAIN needs the text and values.
  const capture = async (text, values) => ((captured = typeof text === 'string' ? { text, values } : { text: text.text, values: text.values }), { rows: [] });
  // As SearchService does: a pinned search's page also reports moved partitions (kt_moved).
  await q.page({ query: capture }, req.count + 1, undefined, pinned);
  return captured;
}

async function explain(c, title, sql) {
  for (let i = 0; i < 5; i++) await c.query(sql.text, sql.values);
  const t = process.hrtime.bigint();
  const rows = (await c.query(sql.text, sql.values)).rows.length;
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const plan = (await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql.text}`, sql.values)).rows.map((r) => r['QUERY PLAN']).join('\n');
  return `### ${title}\n\n${rows} rows; one warm execution from Node (pg, text protocol, rows parsed): ${ms.toFixed(2)} ms.\n\n\`\`\`sql\n${sql.text}\n\`\`\`\n\nParameters: \`${JSON.stringify(sql.values).slice(0, 400)}\`\n\n\`\`\`\n${plan}\n\`\`\`\n`;
}

/**
 * The plan the server keeps for a patient-driven search: a named prepared statement, PostgreSQL's
 * generic plan once it has run five times (forced here), values bound at execution.
 */
async function explainGeneric(c, title, sql) {
  await c.query('SET plan_cache_mode = force_generic_plan');
  try {
    await c.query(`PREPARE kt_explain_generic AS ${sql.text}`);
    const lit = sql.values.map((v) => c.escapeLiteral(String(v))).join(', ');
    for (let i = 0; i < 5; i++) await c.query(`EXECUTE kt_explain_generic(${lit})`);
    const t = process.hrtime.bigint();
    const rows = (await c.query(`EXECUTE kt_explain_generic(${lit})`)).rows.length;
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const plan = (await c.query(`EXPLAIN (ANALYZE, BUFFERS) EXECUTE kt_explain_generic(${lit})`)).rows.map((r) => r['QUERY PLAN']).join('\n');
    return `### ${title}\n\n${rows} rows; one warm execution of the prepared statement from Node: ${ms.toFixed(2)} ms.\n\n\`\`\`\n${plan}\n\`\`\`\n`;
  } finally {
    await c.query('DEALLOCATE ALL');
    await c.query('RESET plan_cache_mode');
  }
}

async function main() {
  // The server's session settings (JIT off: database.module.ts), so the plans are the server's.
  const { SESSION_OPTIONS } = require(path.join(dist, 'database/database.module'));
  const c = new Client({ connectionString: process.env.DATABASE_URL, options: SESSION_OPTIONS });
  await c.connect();
  try {
    const [{ n }] = (await c.query('SELECT count(*)::int AS n FROM resource')).rows;
    const patient = process.argv[2] || 'p1-101';
    const heavy = process.argv[3] || 'p1-100';
    const out = [`## ${n.toLocaleString('en')} resources (\`${(await c.query('SELECT current_database() AS d')).rows[0].d}\`)\n`];
    const target = await searchSql(`patient=${patient}&code=http://loinc.org|8867-4&date=ge2020-01-01`);
    out.push(await explain(c, `Observation?patient=${patient}&code=http://loinc.org|8867-4&date=ge2020-01-01`, target));
    out.push(await explainGeneric(c, `The same, as the server runs it: prepared, PostgreSQL's generic plan (driven from the patient's rows)`, target));
    out.push(await explain(c, `Patient/${heavy}/$everything?_count=1000 (admin: no access predicate)`, everythingSql({ patientId: heavy, limit: 1001 })));
    out.push(await explain(c, `Patient/${heavy}/$everything (first page of 100)`, everythingSql({ patientId: heavy, limit: 101 })));
    const gp = (await c.query(`SELECT min(target) AS gp FROM patient_attachment WHERE patient_id = $1 AND target LIKE 'Practitioner/%'`, [heavy])).rows[0].gp;
    if (gp) {
      const reach = await new ClinicianReach({ query: (text, values, name) => c.query(name ? { name, text, values } : { text, values }) }).keysFor(gp.split('/')[1]);
      const scope = new ClinicianReachScope(c, reach);
      out.push(await explain(c, `Patient/${heavy}/$everything?_count=1000 as ${gp} (clinician reach compiled in)`, everythingSql({ patientId: heavy, limit: 1001, scope })));
    }
    process.stdout.write(out.join('\n'));
  } finally {
    await c.end();
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});

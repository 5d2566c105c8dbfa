'use strict';
// Search at volume: bulk-loads a synthetic city straight into the store's tables (patients, each
// with vital-sign and lab Observations and their index rows, as the extractor writes them), then
// prints EXPLAIN (ANALYZE, BUFFERS) and timings of search queries compiled by the real engine.
//
//   npm run build && DATABASE_URL=postgres://... node bench/search-volume.js [--patients 20000] [--per-patient 50] [--reuse] [--load-only] [--seconds 10]
//
// The database must be a scratch one: its resource tables are truncated unless --reuse is given
// and already holds the volume. Migrations run first (from dist/).
const { Pool } = require('pg');
const { DataSource } = require('typeorm');
const path = require('node:path');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const PATIENTS = Number(opt('patients', '20000'));
const PER_PATIENT = Number(opt('per-patient', '50'));
const REUSE = args.includes('--reuse');
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required (a scratch database)');
  process.exit(2);
}
const dist = path.join(__dirname, '..', 'dist');

// 20 LOINC codes with a skew: code k is used by observation j when j % 20 == k, so each code is
// 5% of observations; the first two (heart rate, blood pressure) are also repeated by the extra
// vitals below, as in a real chart.
const CODES = [
  '8867-4', '85354-6', '8310-5', '9279-1', '29463-7', '8302-2', '39156-5', '2339-0', '718-7', '4548-4',
  '2093-3', '2085-9', '13457-7', '2571-8', '2160-0', '33914-3', '6690-2', '789-8', '777-3', '1742-6',
];

async function migrate() {
  const { MIGRATIONS } = require(path.join(dist, 'migrations'));
  const ds = new DataSource({ type: 'postgres', url, migrations: MIGRATIONS, migrationsTableName: 'typeorm_migrations' });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();
}

async function load(pool) {
  const t0 = Date.now();
  const q = async (label, sql, values) => {
    const t = Date.now();
    const r = await pool.query(sql, values);
    console.log(`  ${label}: ${r.rowCount ?? ''} rows in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };
  await pool.query(`TRUNCATE resource, resource_key, resource_version, resource_compartment, sp_token, sp_string, sp_date, sp_reference, sp_quantity, sp_number, sp_uri`);
  const P = PATIENTS;
  const M = PER_PATIENT;
  // Patients take rids 1..P; Observation j of patient i takes rid P + (i-1)*M + j.
  await q('Patient', `
    INSERT INTO resource (rid, resource_type, id, version_id, last_updated, deleted, content)
    SELECT i, 'Patient', 'p' || i, 1, timestamptz '2024-01-01' + i * interval '1 second', false,
           format('{"resourceType":"Patient","id":"p%s","meta":{"versionId":"1","lastUpdated":"2024-01-01T00:00:00Z"},"identifier":[{"system":"urn:oid:1.2.643.100.3","value":"%s"}],"name":[{"family":"Family%s","given":["Given%s"]}],"gender":"%s","birthDate":"%s"}',
                  i, lpad(i::text, 11, '0'), i % 5000, i % 300, CASE WHEN i % 2 = 0 THEN 'female' ELSE 'male' END,
                  to_char(date '1940-01-01' + (i * 37) % 25000, 'YYYY-MM-DD'))
      FROM generate_series(1, $1::int) i`, [P]);
  await q('Observation', `
    INSERT INTO resource (rid, resource_type, id, version_id, last_updated, deleted, content)
    SELECT $1::int + (i - 1) * $2::int + j, 'Observation', 'o' || i || '-' || j, 1,
           timestamptz '2024-01-01' + ((i * 7 + j * 13) % 1826) * interval '1 day', false,
           format('{"resourceType":"Observation","id":"o%s-%s","meta":{"versionId":"1","lastUpdated":"2024-01-01T00:00:00Z"},"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"%s"}]},"subject":{"reference":"Patient/p%s"},"effectiveDateTime":"%s","valueQuantity":{"value":%s,"unit":"1","system":"http://unitsofmeasure.org","code":"1"}}',
                  i, j, ($3::text[])[1 + j % 20], i, to_char(date '2020-01-01' + (i * 7 + j * 13) % 1826, 'YYYY-MM-DD'), (i + j) % 200)
      FROM generate_series(1, $4::int) i, generate_series(1, $2::int) j`, [P, M, CODES, P]);
  await q('sp_token', `
    INSERT INTO sp_token (rid, resource_type, param, system, code, text)
    SELECT r.rid, 'Observation', p.param, p.system, CASE WHEN p.param IN ('code', 'combo-code') THEN ($1::text[])[1 + ((r.rid - $2::int - 1) % $3::int + 1) % 20] ELSE p.code END, NULL
      FROM resource r,
           (VALUES ('code', 'http://loinc.org', NULL), ('combo-code', 'http://loinc.org', NULL), ('status', NULL, 'final'),
                   ('category', 'http://terminology.hl7.org/CodeSystem/observation-category', 'vital-signs')) p(param, system, code)
     WHERE r.resource_type = 'Observation'
    UNION ALL
    SELECT r.rid, 'Patient', 'identifier', 'urn:oid:1.2.643.100.3', lpad(r.rid::text, 11, '0'), NULL FROM resource r WHERE r.resource_type = 'Patient'
    UNION ALL
    SELECT r.rid, 'Patient', 'gender', NULL, CASE WHEN r.rid % 2 = 0 THEN 'female' ELSE 'male' END, NULL FROM resource r WHERE r.resource_type = 'Patient'`,
    [CODES, P, M]);
  await q('sp_reference', `
    INSERT INTO sp_reference (rid, resource_type, param, target_type, target_id, url)
    SELECT r.rid, 'Observation', p.param, 'Patient', 'p' || ((r.rid - $1::int - 1) / $2::int + 1), NULL
      FROM resource r, (VALUES ('subject'), ('patient')) p(param) WHERE r.resource_type = 'Observation'`, [P, M]);
  await q('sp_date', `
    INSERT INTO sp_date (rid, resource_type, param, low, high)
    SELECT r.rid, 'Observation', 'date', d, d + interval '1 day' - interval '1 millisecond'
      FROM (SELECT rid, timestamptz '2020-01-01 00:00Z' + ((((rid - $1::int - 1) / $2::int + 1) * 7 + ((rid - $1::int - 1) % $2::int + 1) * 13) % 1826) * interval '1 day' AS d
              FROM resource WHERE resource_type = 'Observation') r
    UNION ALL
    SELECT rid, 'Patient', 'birthdate', timestamptz '1940-01-01 00:00Z' + ((rid * 37) % 25000) * interval '1 day',
           timestamptz '1940-01-01 00:00Z' + ((rid * 37) % 25000 + 1) * interval '1 day' - interval '1 millisecond'
      FROM resource WHERE resource_type = 'Patient'`, [P, M]);
  await q('sp_quantity', `
    INSERT INTO sp_quantity (rid, resource_type, param, value, system, code, unit)
    SELECT r.rid, 'Observation', p.param, ((r.rid - $1::int - 1) / $2::int + 1 + (r.rid - $1::int - 1) % $2::int + 1) % 200, 'http://unitsofmeasure.org', '1', '1'
      FROM resource r, (VALUES ('value-quantity'), ('combo-value-quantity')) p(param) WHERE r.resource_type = 'Observation'`, [P, M]);
  await q('sp_string', `
    INSERT INTO sp_string (rid, resource_type, param, norm, exact)
    SELECT rid, 'Patient', p.param, lower(v), v
      FROM (SELECT rid, 'Family' || (rid % 5000) AS fam, 'Given' || (rid % 300) AS giv FROM resource WHERE resource_type = 'Patient') r,
           LATERAL (VALUES ('family', r.fam), ('name', r.fam), ('name', r.giv), ('given', r.giv)) p(param, v)`);
  await q('resource_compartment', `
    INSERT INTO resource_compartment (rid, patient_id, resource_type)
    SELECT rid, CASE WHEN resource_type = 'Patient' THEN id ELSE 'p' || ((rid - $1::int - 1) / $2::int + 1) END, resource_type FROM resource`, [P, M]);
  // Reads by id go through resource_key (migration 1733000000000); these rows stay in the legacy partition (rid < 2^48).
  await q('resource_key', `
    INSERT INTO resource_key (resource_type, id, rid) SELECT resource_type, id, rid FROM resource`);
  await q('resource_version', `
    INSERT INTO resource_version (rid, version_id, resource_type, id, last_updated, deleted, method, content)
    SELECT rid, 1, resource_type, id, last_updated, false, 'POST', content FROM resource`);
  await pool.query(`SELECT setval(pg_get_serial_sequence('resource', 'rid'), (SELECT max(rid) FROM resource))`);
  const t = Date.now();
  await pool.query('VACUUM ANALYZE');
  console.log(`  VACUUM ANALYZE in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  console.log(`loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

async function explainSearch(pool, type, query, repeat = 200) {
  const { getSearchParameterRegistry } = require(path.join(dist, 'src/fhir/search/registry/search-parameter-registry'));
  const { parseSearch } = require(path.join(dist, 'src/fhir/search/parse/parse-search'));
  const { CompileScope } = require(path.join(dist, 'src/fhir/search/compile/compile-filter'));
  const { SearchQuery } = require(path.join(dist, 'src/fhir/search/search-query'));
  const now = new Date();
  const req = parseSearch(getSearchParameterRegistry(), type, new URLSearchParams(query), { strict: true, baseUrl: 'http://localhost/fhir', now });
  const sq = new SearchQuery(req, new CompileScope('http://localhost/fhir', now));
  // The page query exactly as the service sends it, captured through a recording Queryable.
  let captured;
  await sq.page({ query: async (text, values) => ((captured = { text, values }), { rows: [] }) }, req.count + 1);
  const plan = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${captured.text}`, captured.values);
  console.log(`\n=== ${type}?${query}\n${captured.text}\n`);
  console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const t = process.hrtime.bigint();
    await sq.page(pool, req.count + 1);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
  console.log(`page query, ${repeat} runs, one connection: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
}

/**
 * The target query over random patients from `connections` concurrent clients for `seconds`:
 * what the database side of `Observation?patient=X&code=Y&date=ge...` sustains (no HTTP).
 */
async function load10(pool, connections, seconds) {
  const { getSearchParameterRegistry } = require(path.join(dist, 'src/fhir/search/registry/search-parameter-registry'));
  const { parseSearch } = require(path.join(dist, 'src/fhir/search/parse/parse-search'));
  const { CompileScope } = require(path.join(dist, 'src/fhir/search/compile/compile-filter'));
  const { SearchQuery } = require(path.join(dist, 'src/fhir/search/search-query'));
  const registry = getSearchParameterRegistry();
  const times = [];
  const end = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const pid = `p${1 + Math.floor(Math.random() * PATIENTS)}`;
      const code = CODES[Math.floor(Math.random() * 4)];
      const query = `patient=${pid}&code=http://loinc.org|${code}&date=ge202${Math.floor(Math.random() * 4)}-01-01`;
      const now = new Date();
      const t = process.hrtime.bigint();
      const req = parseSearch(registry, 'Observation', new URLSearchParams(query), { strict: true, baseUrl: 'http://localhost/fhir', now });
      await new SearchQuery(req, new CompileScope('http://localhost/fhir', now)).page(pool, req.count + 1);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
  console.log(`\n=== target query, random patients, ${connections} connections, ${seconds} s (parse + compile + query, no HTTP)`);
  console.log(`${Math.round(times.length / seconds)} searches/s, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
}

async function main() {
  await migrate();
  const pool = new Pool({ connectionString: url, max: 10 });
  const n = (await pool.query(`SELECT count(*)::int AS n FROM resource`)).rows[0].n;
  if (!REUSE || n === 0) {
    console.log(`loading ${PATIENTS} patients x ${PER_PATIENT} observations`);
    await load(pool);
  }
  console.log(`resources: ${(await pool.query(`SELECT count(*)::int AS n FROM resource`)).rows[0].n}`);
  const pid = `p${Math.floor(PATIENTS / 2) + 17}`;
  const scenarios = [
    ['Observation', `patient=${pid}&code=http://loinc.org|8867-4&date=ge2021-01-01`],
    ['Observation', `patient=${pid}&code=8867-4,85354-6,8310-5&date=ge2021-01-01&date=lt2024-01-01`],
    ['Observation', `subject=Patient/${pid}&_sort=-date&_count=50`],
    ['Observation', `code=http://loinc.org|8867-4&_count=20`],
    ['Observation', `code=http://loinc.org|8867-4&date=ge2024-06-01&_sort=-_lastUpdated`],
    ['Observation', `subject:Patient.identifier=urn:oid:1.2.643.100.3|${String(Math.floor(PATIENTS / 3)).padStart(11, '0')}`],
    ['Patient', `_has:Observation:patient:code=8867-4&family=family123`],
    ['Patient', `name=family12&_count=20`],
  ];
  if (!args.includes('--load-only')) for (const [type, query] of scenarios) await explainSearch(pool, type, query);
  await load10(pool, 10, Number(opt('seconds', '10')));
  await pool.end();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

import { INDEX_VERSION, parseReindexArgs, reindex } from '../../src/cli/reindex';
import { parseSeedArgs, SeedDeps, seedPopulation } from '../../src/cli/seed';
import { FhirHooks } from '../../src/fhir/hooks/fhir-hooks';
import { SearchParameterRegistry } from '../../src/fhir/search/registry/search-parameter-registry';
import { populationModel } from '../../src/seed/population';
import { startTestServer, TestServer } from '../support/test-app';

const SEED = 5150;
const PATIENTS = 12;
const INDEX_TABLES = ['sp_token', 'sp_string', 'sp_date', 'sp_reference', 'sp_quantity', 'sp_number', 'sp_uri', 'resource_compartment'];

/** `npm run seed` and `npm run reindex`, through the functions the CLIs run, on the test database. */
describe('seed and reindex', () => {
  let s: TestServer;
  let deps: SeedDeps;
  const model = populationModel({ seed: SEED });
  const expectedIds = () => [...model.directory, ...Array.from({ length: PATIENTS }, (_, n) => model.patient(n)).flat()].map((r) => `${r.resourceType}/${r.id}`).sort();

  beforeAll(async () => {
    s = await startTestServer();
    deps = { db: s.app.db.database, registry: s.app.app.get(SearchParameterRegistry), hooks: s.app.app.get(FhirHooks) };
  });
  afterAll(async () => {
    await s.close();
  });

  const seeded = async () =>
    (
      await s.sql.query<{ k: string }>(
        `SELECT resource_type || '/' || id AS k FROM resource WHERE id LIKE $1 OR id LIKE $2 OR id LIKE $3 OR id LIKE $4 OR id LIKE $5 ORDER BY 1`,
        [`p${SEED}-%`, `o${SEED}-%`, `l${SEED}-%`, `pr${SEED}-%`, `prr${SEED}-%`],
      )
    ).rows.map((r) => r.k);

  /** Every index row of the seeded resources, as text, for before/after comparisons. */
  async function indexSnapshot(): Promise<string[]> {
    const rows: string[] = [];
    for (const t of INDEX_TABLES) {
      const res = await s.sql.query<{ row: string }>(
        `SELECT $1 || ':' || r.resource_type || '/' || r.id || ':' || row_to_json(x)::jsonb - 'rid' AS row
           FROM ${t} x JOIN resource r ON r.rid = x.rid WHERE r.id LIKE $2 ORDER BY 1`,
        [t, `%${SEED}-%`],
      );
      rows.push(...res.rows.map((r) => r.row));
    }
    return rows.sort();
  }

  it('writes the population once, with index, compartment and derived rows, and skips it when run again', async () => {
    const first = await seedPopulation(deps, { patients: PATIENTS - 4, seed: SEED, connections: 3, batchSize: 300 });
    expect(first.skippedPatients).toBe(0);
    // A larger run extends the first: only the new patients are written.
    const second = await seedPopulation(deps, { patients: PATIENTS, seed: SEED, connections: 2, batchSize: 250 });
    expect(second.patients).toBe(4);
    expect(second.skippedPatients).toBe(PATIENTS - 4);
    expect(first.resources + second.resources).toBe(expectedIds().length);
    expect(await seeded()).toEqual(expectedIds());
    const again = await seedPopulation(deps, { patients: PATIENTS, seed: SEED, connections: 3, batchSize: 300 });
    expect(again).toMatchObject({ resources: 0, patients: 0, skippedPatients: PATIENTS });

    const patient = `p${SEED}-3`;
    const compartment = await s.sql.query('SELECT count(*)::int AS n FROM resource_compartment WHERE patient_id = $1', [patient]);
    expect(compartment.rows[0].n).toBe(model.patient(3).length);
    const attachment = await s.sql.query('SELECT count(*)::int AS n FROM patient_attachment WHERE patient_id = $1', [patient]);
    expect(attachment.rows[0].n).toBeGreaterThan(0);
    const identity = await s.sql.query(
      `SELECT count(*)::int AS n FROM patient_identity i JOIN resource r ON r.rid = i.patient_rid WHERE r.id = $1`,
      [patient],
    );
    expect(identity.rows[0].n).toBe(2);
    // A seeded resource reads back as the server serves it, and is found by search.
    const read = await s.api.get(`/fhir/Patient/${patient}`);
    expect(read.status).toBe(200);
    expect(JSON.parse(read.text).meta.versionId).toBe('1');
    const found = await s.api.get(`/fhir/Observation?patient=${patient}&_count=1000`);
    expect(JSON.parse(found.text).entry).toHaveLength(model.patient(3).filter((r) => r.resourceType === 'Observation').length);
  });

  it('reindexes exactly the resources stamped with an older version, restoring their rows', async () => {
    const before = await indexSnapshot();
    const victims = await s.sql.query<{ rid: string }>(`SELECT rid::text AS rid FROM resource WHERE id LIKE $1 ORDER BY rid LIMIT 40`, [`p${SEED}-5%`]);
    const rids = victims.rows.map((r) => r.rid);
    expect(rids).toHaveLength(40);
    for (const t of INDEX_TABLES) await s.sql.query(`DELETE FROM ${t} WHERE rid = ANY($1::bigint[])`, [rids]);
    await s.sql.query('DELETE FROM patient_attachment WHERE source_rid = ANY($1::bigint[])', [rids]);
    await s.sql.query(`UPDATE resource SET index_version = $2 WHERE rid = ANY($1::bigint[])`, [rids, INDEX_VERSION - 1]);
    expect((await indexSnapshot()).length).toBeLessThan(before.length);

    const done = await reindex(deps, { all: false, batchSize: 7 });
    expect(done.resources).toBe(40);
    expect(done.lastRid).toBe(rids[rids.length - 1]);
    expect(await indexSnapshot()).toEqual(before);
    const stamps = await s.sql.query('SELECT DISTINCT index_version FROM resource WHERE rid = ANY($1::bigint[])', [rids]);
    expect(stamps.rows).toEqual([{ index_version: INDEX_VERSION }]);
    const attachments = await s.sql.query('SELECT count(*)::int AS n FROM patient_attachment WHERE source_rid = ANY($1::bigint[])', [rids]);
    expect(attachments.rows[0].n).toBeGreaterThan(0);
    // Nothing is stale any more: a second run has nothing to do.
    expect((await reindex(deps, { all: false, batchSize: 100 })).resources).toBe(0);
  });

  it('walks every resource with --all from a given rid, deleted ones stamped without rows', async () => {
    const before = await indexSnapshot();
    const start = await s.sql.query<{ rid: string }>(`SELECT min(rid)::text AS rid FROM resource WHERE id LIKE $1`, [`p${SEED}-8%`]);
    const after = String(BigInt(start.rows[0].rid) - 1n);
    const del = await s.api.delete(`/fhir/Observation/${model.patient(9).find((r) => r.resourceType === 'Observation')!.id}`);
    expect(del.status).toBe(200);
    const count = await s.sql.query<{ n: string }>('SELECT count(*) AS n FROM resource WHERE rid > $1', [after]);
    const done = await reindex(deps, { all: true, batchSize: 50, afterRid: after });
    expect(done.resources).toBe(Number(count.rows[0].n));
    const now = await indexSnapshot();
    const deletedKey = `Observation/${model.patient(9).find((r) => r.resourceType === 'Observation')!.id}`;
    expect(now).toEqual(before.filter((r) => !r.includes(`:${deletedKey}:`)));
  });

  it('stores a seeded resource exactly as the API stores the same resource', async () => {
    const seed = 6160;
    const other = populationModel({ seed });
    const resources = [...other.directory, ...[0, 1].map((n) => other.patient(n)).flat()];
    const done = await seedPopulation(deps, { patients: 2, seed, connections: 2, batchSize: 40 });
    expect(done.resources).toBe(resources.length);
    const seededRows = await storedRows(`%${seed}-%`);
    expect(seededRows.length).toBeGreaterThan(resources.length * 10);

    await s.sql.query('BEGIN');
    const rids = `SELECT rid FROM resource WHERE id LIKE '%${seed}-%'`;
    for (const t of [...INDEX_TABLES, 'resource_version']) await s.sql.query(`DELETE FROM ${t} WHERE rid IN (${rids})`);
    await s.sql.query(`DELETE FROM patient_attachment WHERE source_rid IN (${rids})`);
    await s.sql.query(`DELETE FROM patient_identity WHERE patient_rid IN (${rids})`);
    await s.sql.query(`DELETE FROM resource_key WHERE rid IN (${rids})`);
    await s.sql.query(`DELETE FROM resource WHERE rid IN (${rids})`);
    await s.sql.query('COMMIT');
    expect(await storedRows(`%${seed}-%`)).toEqual([]);

    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: resources.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
    };
    const res = await s.api.post('/fhir').set('Content-Type', 'application/fhir+json').send(JSON.stringify(bundle));
    expect(res.status).toBe(200);
    expect(await storedRows(`%${seed}-%`)).toEqual(seededRows);
  });

  /**
   * Every row a write leaves for the resources whose id matches `like`, as text keyed by type/id:
   * everything but the surrogate rid and the write time (the content's meta.lastUpdated included).
   */
  async function storedRows(like: string): Promise<string[]> {
    const noTime = `regexp_replace(content, '"lastUpdated":"[^"]*"', '"lastUpdated":"-"')`;
    const queries = [
      `SELECT concat_ws(' ', 'resource', resource_type, id, version_id, deleted, index_version, ${noTime}) AS row FROM resource WHERE id LIKE $1`,
      `SELECT concat_ws(' ', 'resource_version', resource_type, id, version_id, deleted, method, ${noTime}) AS row FROM resource_version WHERE id LIKE $1`,
      ...INDEX_TABLES.map(
        (t) => `SELECT '${t} ' || r.resource_type || '/' || r.id || ' ' || (row_to_json(x)::jsonb - 'rid')::text AS row
                  FROM ${t} x JOIN resource r ON r.rid = x.rid WHERE r.id LIKE $1`,
      ),
      `SELECT concat_ws(' ', 'resource_key', k.resource_type, k.id, k.rid = r.rid) AS row
         FROM resource_key k JOIN resource r ON r.resource_type = k.resource_type AND r.id = k.id WHERE k.id LIKE $1`,
      // One patient's compartment in one partition (the rid's top bits), however the rows were written.
      `SELECT concat_ws(' ', 'partition', r.resource_type, r.id, r.rid >> 48) AS row FROM resource r WHERE r.id LIKE $1`,
      `SELECT concat_ws(' ', 'patient_attachment', a.patient_id, a.target, r.resource_type || '/' || r.id) AS row
         FROM patient_attachment a JOIN resource r ON r.rid = a.source_rid WHERE r.id LIKE $1`,
      `SELECT concat_ws(' ', 'patient_identity', i.system, i.value, r.id) AS row
         FROM patient_identity i JOIN resource r ON r.rid = i.patient_rid WHERE r.id LIKE $1`,
    ];
    const rows: string[] = [];
    for (const q of queries) rows.push(...(await s.sql.query<{ row: string }>(q, [like])).rows.map((r) => r.row));
    return rows.sort();
  }

  it('parses the command lines', () => {
    expect(parseSeedArgs(['--patients', '100', '--seed=3'])).toEqual({ patients: 100, seed: 3, connections: 3, batchSize: 3000 });
    expect(() => parseSeedArgs([])).toThrow('--patients N is required');
    expect(() => parseSeedArgs(['--patients', 'x'])).toThrow('--patients takes a non-negative integer');
    expect(() => parseSeedArgs(['--patients', '1', '--what'])).toThrow('unknown argument --what');
    expect(parseReindexArgs(['--all', '--batch', '500', '--after=42'])).toEqual({ all: true, batchSize: 500, afterRid: '42' });
    expect(parseReindexArgs([])).toEqual({ all: false, batchSize: 1000 });
    expect(() => parseReindexArgs(['--after', '-1'])).toThrow('--after takes a non-negative integer');
  });
});

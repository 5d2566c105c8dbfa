import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { partitionOfKey, partitionOfPatient } from '../../src/fhir/store/partition-key';
import { ScratchDatabase, scratchDatabase } from '../support/scratch-database';
import { startTestServer, TestServer } from '../support/test-app';

/**
 * Partitioning by patient (migrations/1733000000000-partition-by-patient.ts, docs/SCALING.md):
 * one patient's compartment in one partition, (type, id) unique across partitions under
 * concurrent creates, and the migration converting a database that already holds data.
 */

const FHIR = 'application/fhir+json';
const part = (k: number) => `p${String(k).padStart(2, '0')}`;
const LOINC = 'http://loinc.org';

const observation = (patientId: string, code: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: LOINC, code }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: '2024-03-01T10:00:00Z',
  ...extra,
});

/** The partition (table suffix) of every row with these rids, per partitioned table. */
async function partitionsOf(s: TestServer, rids: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of ['resource', 'resource_version', 'resource_compartment', 'sp_token', 'sp_reference', 'sp_date']) {
    const res = await s.sql.query(`SELECT DISTINCT tableoid::regclass::text AS p FROM ${t} WHERE rid = ANY($1::bigint[]) ORDER BY 1`, [rids]);
    out[t] = res.rows.map((r) => r.p.replace(`${t}_`, ''));
  }
  return out;
}

describe('partitioning by patient', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it("puts one patient's compartment (resource, versions, index and compartment rows) in the patient's partition", async () => {
    const pid = `part-${randomUUID()}`;
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:enc', resource: { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, subject: { reference: `Patient/${pid}` } }, request: { method: 'POST', url: 'Encounter' } },
        { resource: observation(pid, '8867-4', { encounter: { reference: 'urn:uuid:enc' } }), request: { method: 'POST', url: 'Observation' } },
        { resource: { resourceType: 'Condition', subject: { reference: `Patient/${pid}` }, code: { text: 'x' } }, request: { method: 'POST', url: 'Condition' } },
      ],
    };
    expect((await s.api.put(`/fhir/Patient/${pid}`).set('Content-Type', FHIR).send(JSON.stringify({ resourceType: 'Patient', id: pid, gender: 'female' }))).status).toBe(201);
    const tx = await s.api.post('/fhir').set('Content-Type', FHIR).send(JSON.stringify(bundle));
    expect(tx.status).toBe(200);
    const rids = (await s.sql.query('SELECT rid::text AS rid FROM resource_compartment WHERE patient_id = $1', [pid])).rows.map((r) => r.rid);
    expect(rids).toHaveLength(4);
    const k = part(partitionOfPatient(pid));
    expect(await partitionsOf(s, rids)).toEqual({
      resource: [k], resource_version: [k], resource_compartment: [k], sp_token: [k], sp_reference: [k], sp_date: [k],
    });
    // A resource in no compartment goes by its own type/id.
    const org = await s.api.post('/fhir/Organization').set('Content-Type', FHIR).send(JSON.stringify({ resourceType: 'Organization', name: 'Part' }));
    expect(org.status).toBe(201);
    const orgRow = await s.sql.query("SELECT tableoid::regclass::text AS p FROM resource WHERE resource_type = 'Organization' AND id = $1", [org.body.id]);
    expect(orgRow.rows).toEqual([{ p: `resource_${part(partitionOfKey(`Organization/${org.body.id}`))}` }]);

    // The pinned search and its cursor paging see them; so does $everything.
    const found = await s.api.get(`/fhir/Observation?patient=${pid}&code=${LOINC}|8867-4&date=ge2024-01-01`);
    expect(found.status).toBe(200);
    expect(found.body.total ?? found.body.entry.length).toBe(1);
    const everything = await s.api.get(`/fhir/Patient/${pid}/$everything`);
    expect(everything.body.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType).sort()).toEqual(['Condition', 'Encounter', 'Observation', 'Patient']);
  });

  it('keeps the rid, and so the partition, when an update moves a resource to another patient', async () => {
    const a = `move-a-${randomUUID()}`;
    let b = `move-b-${randomUUID()}`;
    while (partitionOfPatient(b) === partitionOfPatient(a)) b = `move-b-${randomUUID()}`;
    const created = await s.api.post('/fhir/Observation').set('Content-Type', FHIR).send(JSON.stringify(observation(a, '718-7')));
    expect(created.status).toBe(201);
    const before = await s.sql.query("SELECT rid::text AS rid, tableoid::regclass::text AS p FROM resource WHERE resource_type = 'Observation' AND id = $1", [created.body.id]);
    const moved = await s.api.put(`/fhir/Observation/${created.body.id}`).set('Content-Type', FHIR).send(JSON.stringify({ ...observation(b, '718-7'), id: created.body.id }));
    expect(moved.status).toBe(200);
    const after = await s.sql.query("SELECT rid::text AS rid, tableoid::regclass::text AS p FROM resource WHERE resource_type = 'Observation' AND id = $1", [created.body.id]);
    expect(after.rows).toEqual(before.rows);
    const comp = await s.sql.query('SELECT patient_id FROM resource_compartment WHERE rid = $1', [after.rows[0].rid]);
    expect(comp.rows).toEqual([{ patient_id: b }]);
    // The search bounded to b's partition still finds it: the writer recorded where it stayed.
    const recorded = await s.sql.query('SELECT pkey FROM resource_moved WHERE patient_id = $1', [b]);
    expect(recorded.rows).toEqual([{ pkey: partitionOfPatient(a) }]);
    const found = await s.api.get(`/fhir/Observation?patient=${b}&code=${LOINC}|718-7`);
    expect(found.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([created.body.id]);
    expect((await s.api.get(`/fhir/Observation?patient=${a}`)).body.entry ?? []).toEqual([]);
    // b also has a resource of its own partition: the first page is not empty, and the moved one is
    // still there (the page statement reports the moved partition and the search runs again), on
    // every page, in the count, and in `_total=accurate`.
    const own = await s.api.post('/fhir/Observation').set('Content-Type', FHIR).send(JSON.stringify(observation(b, '718-7')));
    expect(own.status).toBe(201);
    const both = [created.body.id, own.body.id].sort();
    const all = await s.api.get(`/fhir/Observation?patient=${b}&_total=accurate`);
    expect(all.body.entry.map((e: { resource: { id: string } }) => e.resource.id).sort()).toEqual(both);
    expect(all.body.total).toBe(2);
    expect((await s.api.get(`/fhir/Observation?subject=Patient/${b}&_summary=count`)).body.total).toBe(2);
    const first = await s.api.get(`/fhir/Observation?patient=${b}&_count=1`);
    const next = first.body.link.find((l: { relation: string }) => l.relation === 'next').url.replace(/^https?:\/\/[^/]+/, '');
    const second = await s.api.get(next);
    expect([first.body.entry[0].resource.id, second.body.entry[0].resource.id].sort()).toEqual(both);
  });

  it('keeps (type, id) unique when concurrent create-on-update PUTs of one id would land in different partitions', async () => {
    const id = `race-${randomUUID()}`;
    // Ten different subjects: the candidate rids spread over several partitions.
    const subjects = Array.from({ length: 10 }, (_, i) => `race-p${i}-${randomUUID()}`);
    expect(new Set(subjects.map(partitionOfPatient)).size).toBeGreaterThan(1);
    const results = await Promise.all(
      subjects.map((p) => s.api.put(`/fhir/Observation/${id}`).set('Content-Type', FHIR).send(JSON.stringify({ ...observation(p, '2339-0'), id }))),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const rows = await s.sql.query("SELECT rid::text AS rid, version_id FROM resource WHERE resource_type = 'Observation' AND id = $1", [id]);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0].version_id).toBe(10);
    const keys = await s.sql.query("SELECT rid::text AS rid FROM resource_key WHERE resource_type = 'Observation' AND id = $1", [id]);
    expect(keys.rows).toEqual([{ rid: rows.rows[0].rid }]);
    const versions = await s.sql.query("SELECT DISTINCT rid::text AS rid FROM resource_version WHERE resource_type = 'Observation' AND id = $1", [id]);
    expect(versions.rows).toEqual([{ rid: rows.rows[0].rid }]);
    // The creator's subject decided the partition; no row of the losers' candidate rids exists anywhere.
    const creator = subjects[results.findIndex((r) => r.status === 201)];
    expect((await partitionsOf(s, [rows.rows[0].rid])).resource).toEqual([part(partitionOfPatient(creator))]);
  });

  it('a second create-on-update of an id with a subject in another partition updates the one row', async () => {
    const id = `dup-${randomUUID()}`;
    const first = await s.api.put(`/fhir/Observation/${id}`).set('Content-Type', FHIR).send(JSON.stringify({ ...observation('dup-a', '8310-5'), id }));
    const second = await s.api.put(`/fhir/Observation/${id}`).set('Content-Type', FHIR).send(JSON.stringify({ ...observation('dup-b', '8310-5'), id }));
    expect([first.status, second.status]).toEqual([201, 200]);
    expect((await s.sql.query("SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Observation' AND id = $1", [id])).rows[0].n).toBe(1);
  });
});

describe('the partitioning migration on a database with data', () => {
  let db: ScratchDatabase;
  let url: string;
  let s: TestServer | undefined;

  beforeAll(async () => {
    db = await scratchDatabase('part_mig');
    url = db.url;
  });
  afterAll(async () => {
    await s?.close();
    await db?.drop();
  });

  const migrate = async (migrations: typeof MIGRATIONS) => {
    const ds = new DataSource({ type: 'postgres', url, migrations, migrationsTableName: 'typeorm_migrations' });
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    await ds.destroy();
  };

  it('converts existing rows into the legacy partition; they stay readable, searchable and writable', async () => {
    // Every migration before the partitioning one (later ones come after it, with the rest).
    const at = MIGRATIONS.findIndex((m) => m.name === 'PartitionByPatient1733000000000');
    expect(at).toBeGreaterThan(0);
    await migrate(MIGRATIONS.slice(0, at));

    // Rows as the unpartitioned store wrote them (identity rids).
    const c = new Client({ connectionString: url });
    await c.connect();
    const meta = { versionId: '1', lastUpdated: '2024-01-01T00:00:00.000Z' };
    const pat = { resourceType: 'Patient', id: 'old-p', meta, gender: 'male' };
    const obs = { ...observation('old-p', '8867-4'), id: 'old-o', meta };
    const ins = async (r: { resourceType: string; id: string }) =>
      (
        await c.query(
          `WITH r AS (INSERT INTO resource (resource_type, id, version_id, last_updated, content) VALUES ($1, $2, 1, '2024-01-01T00:00:00Z', $3) RETURNING rid)
           INSERT INTO resource_version (rid, version_id, resource_type, id, last_updated, deleted, method, content)
           SELECT rid, 1, $1, $2, '2024-01-01T00:00:00Z', false, 'PUT', $3 FROM r RETURNING rid::text AS rid`,
          [r.resourceType, r.id, JSON.stringify(r)],
        )
      ).rows[0].rid as string;
    const pRid = await ins(pat);
    const oRid = await ins(obs);
    await c.query(`INSERT INTO resource_compartment VALUES ($1, 'old-p', 'Patient'), ($2, 'old-p', 'Observation')`, [pRid, oRid]);
    await c.query(`INSERT INTO sp_reference (rid, resource_type, param, target_type, target_id) VALUES ($1, 'Observation', 'patient', 'Patient', 'old-p'), ($1, 'Observation', 'subject', 'Patient', 'old-p')`, [oRid]);
    await c.query(`INSERT INTO sp_token (rid, resource_type, param, system, code) VALUES ($1, 'Observation', 'code', $2, '8867-4')`, [oRid, LOINC]);
    await c.query(`INSERT INTO sp_date (rid, resource_type, param, low, high) VALUES ($1, 'Observation', 'date', '2024-03-01T10:00:00Z', '2024-03-01T10:00:00Z')`, [oRid]);
    await c.end();

    await migrate(MIGRATIONS);
    s = await startTestServer({ DATABASE_URL: url });
    // (Starting the server loads the conformance resources of fhir-profiles/: new rows, new partitions.)
    const where = await s.sql.query("SELECT tableoid::regclass::text AS p, rid::text AS rid FROM resource WHERE id IN ('old-p', 'old-o') ORDER BY rid");
    expect(where.rows).toEqual([{ p: 'resource_legacy', rid: pRid }, { p: 'resource_legacy', rid: oRid }]);
    expect((await s.sql.query("SELECT resource_type, id, rid::text AS rid FROM resource_key WHERE id IN ('old-p', 'old-o') ORDER BY rid")).rows).toEqual([
      { resource_type: 'Patient', id: 'old-p', rid: pRid },
      { resource_type: 'Observation', id: 'old-o', rid: oRid },
    ]);

    const read = await s.api.get('/fhir/Patient/old-p');
    expect(read.status).toBe(200);
    expect(read.text).toBe(JSON.stringify(pat));
    expect((await s.api.get('/fhir/Observation/old-o/_history/1')).status).toBe(200);
    expect((await s.api.get('/fhir/Patient/old-p/_history')).body.entry).toHaveLength(1);

    // A new Observation of the same patient goes to the patient's partition; the pinned search finds old and new.
    const fresh = await s.api.post('/fhir/Observation').set('Content-Type', FHIR).send(JSON.stringify(observation('old-p', '8867-4')));
    expect(fresh.status).toBe(201);
    const freshRow = await s.sql.query("SELECT rid::text AS rid, tableoid::regclass::text AS p FROM resource WHERE resource_type = 'Observation' AND id = $1", [fresh.body.id]);
    expect(freshRow.rows[0].p).toBe(`resource_${part(partitionOfPatient('old-p'))}`);
    // The sequence continues the identity: the new rid's sequence part is above every old rid.
    expect(BigInt(freshRow.rows[0].rid) & ((1n << 48n) - 1n)).toBeGreaterThan(BigInt(oRid));
    const search = await s.api.get(`/fhir/Observation?patient=old-p&code=${LOINC}|8867-4&date=ge2024-01-01`);
    expect(search.status).toBe(200);
    expect(search.body.entry.map((e: { resource: { id: string } }) => e.resource.id).sort()).toEqual([fresh.body.id, 'old-o'].sort());
    const everything = await s.api.get('/fhir/Patient/old-p/$everything');
    expect(everything.body.entry).toHaveLength(3);

    // An old resource updates in place (create-on-update sees the migrated key: 200, not 201) and keeps its rid.
    const upd = await s.api.put('/fhir/Patient/old-p').set('Content-Type', FHIR).send(JSON.stringify({ resourceType: 'Patient', id: 'old-p', gender: 'female' }));
    expect(upd.status).toBe(200);
    expect((await s.sql.query("SELECT rid::text AS rid FROM resource WHERE resource_type = 'Patient' AND id = 'old-p'")).rows).toEqual([{ rid: pRid }]);
  });
});

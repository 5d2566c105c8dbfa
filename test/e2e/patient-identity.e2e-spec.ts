import request from 'supertest';
import { PatientIdentity1732800000000 } from '../../migrations/1732800000000-patient-identity';
import { snilsFromNumber } from '../../src/seed/snils';
import { startSeededServer } from '../support/seeded-server';
import { startTestServer, TestServer } from '../support/test-app';

/**
 * CONTRACT.md "Identity of patients": a SNILS or OMS number belongs to one active Patient. The
 * patient_identity table's UNIQUE constraint decides, inside each write's transaction, so it holds
 * under concurrent creates; conditional create by identifier finds the existing one.
 */
const FHIR = 'application/fhir+json';
const SNILS = 'urn:oid:1.2.643.100.3';
const OMS = 'urn:oid:1.2.643.2.69.1.1.1.6.228';
const json = (res: request.Response) => JSON.parse(res.text);

/** Numbers of this run only (the e2e database is shared by every test file). */
const freshSnils = () => snilsFromNumber(900_000_000 + Math.floor(Math.random() * 99_000_000));
const freshOms = () => `99${String(Math.floor(Math.random() * 1e14)).padStart(14, '0')}`;

const patient = (identifier: object[], extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  identifier,
  name: [{ family: 'Единственная', given: ['Мария', 'Павловна'] }],
  gender: 'female',
  birthDate: '1985-03-14',
  ...extra,
});

describe('one person, one Patient', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    s.api.post(path).set({ 'Content-Type': FHIR, ...headers }).send(JSON.stringify(body));
  const put = (path: string, body: unknown) => s.api.put(path).set('Content-Type', FHIR).send(JSON.stringify(body));
  const holders = async (system: string, value: string): Promise<string[]> =>
    (
      await s.sql.query(
        `SELECT r.id FROM patient_identity pi JOIN resource r ON r.rid = pi.patient_rid WHERE pi.system = $1 AND pi.value = $2`,
        [system, value],
      )
    ).rows.map((r) => r.id);

  /** The 409 of a duplicate: names the element and system, never the number. */
  const expectDuplicate = (res: request.Response, system: string, number: string) => {
    expect(res.status).toBe(409);
    expect(json(res)).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'duplicate',
          diagnostics: `Patient.identifier: an identifier of system ${system} belongs to another active Patient; find it with Patient/$match or a conditional create`,
          expression: ['Patient.identifier'],
        },
      ],
    });
    expect(res.text).not.toContain(number);
  };

  it('refuses a second Patient with the same SNILS, however it is written', async () => {
    const snils = freshSnils();
    const first = await post('/fhir/Patient', patient([{ system: SNILS, value: snils }]));
    expect(first.status).toBe(201);
    const id = json(first).id;
    expect(await holders(SNILS, snils)).toEqual([id]);
    const printed = `${snils.slice(0, 3)}-${snils.slice(3, 6)}-${snils.slice(6, 9)} ${snils.slice(9)}`;
    expectDuplicate(await post('/fhir/Patient', patient([{ system: SNILS, value: printed }])), SNILS, snils);
    expectDuplicate(await post('/fhir/Patient', patient([{ system: SNILS, value: snils }])), SNILS, snils);
    const count = await s.sql.query(`SELECT count(*)::int AS n FROM sp_token WHERE resource_type = 'Patient' AND param = 'identifier' AND code = $1`, [snils]);
    expect(count.rows[0].n).toBe(1);
    // Updating the holder itself, number kept, is no conflict.
    expect((await put(`/fhir/Patient/${id}`, { ...patient([{ system: SNILS, value: snils }]), id, gender: 'other' })).status).toBe(200);
    expect(await holders(SNILS, snils)).toEqual([id]);
  });

  it('refuses the same OMS number, on create and on update of another Patient', async () => {
    const oms = freshOms();
    const a = json(await post('/fhir/Patient', patient([{ system: OMS, value: oms }])));
    const b = json(await post('/fhir/Patient', patient([{ system: OMS, value: freshOms() }])));
    expectDuplicate(await put(`/fhir/Patient/${b.id}`, { ...patient([{ system: OMS, value: oms }]), id: b.id }), OMS, oms);
    expectDuplicate(
      await s.api.patch(`/fhir/Patient/${b.id}`).set('Content-Type', 'application/json-patch+json').send(JSON.stringify([{ op: 'replace', path: '/identifier/0/value', value: oms }])),
      OMS,
      oms,
    );
    expect(await holders(OMS, oms)).toEqual([a.id]);
    expect(json(await s.api.get(`/fhir/Patient/${b.id}`)).meta.versionId).toBe('1');
  });

  it('an inactive or deleted Patient holds no number; reactivating a duplicate is refused', async () => {
    const snils = freshSnils();
    const a = json(await post('/fhir/Patient', patient([{ system: SNILS, value: snils }])));
    expect((await put(`/fhir/Patient/${a.id}`, { ...patient([{ system: SNILS, value: snils }]), id: a.id, active: false })).status).toBe(200);
    expect(await holders(SNILS, snils)).toEqual([]);
    const b = json(await post('/fhir/Patient', patient([{ system: SNILS, value: snils }], { active: true })));
    expect(await holders(SNILS, snils)).toEqual([b.id]);
    expectDuplicate(await put(`/fhir/Patient/${a.id}`, { ...patient([{ system: SNILS, value: snils }]), id: a.id, active: true }), SNILS, snils);
    expect((await s.api.delete(`/fhir/Patient/${b.id}`)).status).toBe(200);
    expect(await holders(SNILS, snils)).toEqual([]);
    expect((await put(`/fhir/Patient/${a.id}`, { ...patient([{ system: SNILS, value: snils }]), id: a.id, active: true })).status).toBe(200);
    expect(await holders(SNILS, snils)).toEqual([a.id]);
  });

  it('conditional create by identifier returns the existing Patient', async () => {
    const snils = freshSnils();
    const first = await post('/fhir/Patient', patient([{ system: SNILS, value: snils }]), { 'If-None-Exist': `identifier=${SNILS}|${snils}` });
    expect(first.status).toBe(201);
    const again = await post('/fhir/Patient', patient([{ system: SNILS, value: snils }]), { 'If-None-Exist': `identifier=${SNILS}|${snils}` });
    expect(again.status).toBe(200);
    expect(json(again).id).toBe(json(first).id);
    expect(json(again).meta.versionId).toBe('1');
  });

  it('10 concurrent creates with one SNILS: exactly one 201, nine 409', async () => {
    const snils = freshSnils();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post('/fhir/Patient', patient([{ system: SNILS, value: snils }], { name: [{ family: `Гонка${i}` }] }))),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expectDuplicate(r, SNILS, snils);
    const winner = json(results.find((r) => r.status === 201)!).id;
    expect(await holders(SNILS, snils)).toEqual([winner]);
    const stored = await s.sql.query(`SELECT count(*)::int AS n FROM sp_token WHERE resource_type = 'Patient' AND param = 'identifier' AND code = $1`, [snils]);
    expect(stored.rows[0].n).toBe(1);
  });

  it('the same through 10 concurrent transaction Bundles: one 200, nine 409, nothing else written', async () => {
    const snils = freshSnils();
    const tag = `tx-race-${Date.now()}`;
    const bundle = (i: number) => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: `urn:uuid:00000000-0000-4000-8000-00000000000${i}`, request: { method: 'POST', url: 'Patient' }, resource: patient([{ system: SNILS, value: snils }]) },
        {
          request: { method: 'POST', url: 'Observation' },
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: tag },
            subject: { reference: `urn:uuid:00000000-0000-4000-8000-00000000000${i}` },
          },
        },
      ],
    });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => post('/fhir', bundle(i))));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expectDuplicate(r, SNILS, snils);
    expect(await holders(SNILS, snils)).toHaveLength(1);
    const observations = await s.sql.query(`SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Observation' AND content LIKE $1`, [`%${tag}%`]);
    expect(observations.rows[0].n).toBe(1);
  });

  it('in one transaction: two new Patients with one number fail together; a number may move from one Patient to another', async () => {
    const snils = freshSnils();
    const two = await post('/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [0, 1].map(() => ({ request: { method: 'POST', url: 'Patient' }, resource: patient([{ system: SNILS, value: snils }]) })),
    });
    expectDuplicate(two, SNILS, snils);
    expect(await holders(SNILS, snils)).toEqual([]);

    const a = json(await post('/fhir/Patient', patient([{ system: SNILS, value: snils }])));
    const { identifier: _none, ...anonymous } = patient([]);
    const b = json(await post('/fhir/Patient', anonymous));
    const move = await post('/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'PUT', url: `Patient/${a.id}` }, resource: { ...anonymous, id: a.id } },
        { request: { method: 'PUT', url: `Patient/${b.id}` }, resource: { ...patient([{ system: SNILS, value: snils }]), id: b.id } },
      ],
    });
    expect(move.status).toBe(200);
    expect(await holders(SNILS, snils)).toEqual([b.id]);
  });

  it('a batch answers 409 for the duplicate entry only', async () => {
    const snils = freshSnils();
    const res = await post('/fhir', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [0, 1].map(() => ({ request: { method: 'POST', url: 'Patient' }, resource: patient([{ system: SNILS, value: snils }]) })),
    });
    expect(res.status).toBe(200);
    expect(json(res).entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['201', '409']);
  });
});

describe('the migration backfills patient_identity from the Patients already stored', () => {
  it('gives the rows the write hook gives, the older Patient keeping a shared number', async () => {
    const s = await startSeededServer({ seed: false });
    try {
      const post = (body: unknown) => s.api.post('/fhir/Patient').set('Content-Type', FHIR).send(JSON.stringify(body));
      const snils = freshSnils();
      const oms = freshOms();
      await post(patient([{ system: SNILS, value: `${snils.slice(0, 3)}-${snils.slice(3, 9)} ${snils.slice(9)}` }, { system: OMS, value: oms }]));
      await post(patient([{ system: SNILS, value: freshSnils() }], { active: false }));
      await post(patient([{ system: 'urn:clinic:mrn', value: 'A-1' }]));
      const del = json(await post(patient([{ system: OMS, value: freshOms() }])));
      await s.api.delete(`/fhir/Patient/${del.id}`);
      const rows = async () => (await s.sql.query('SELECT system, value, patient_rid::text FROM patient_identity ORDER BY 1, 2')).rows;
      const byHook = await rows();
      expect(byHook.map((r) => `${r.system}|${r.value}`)).toEqual([`${OMS}|${oms}`, `${SNILS}|${snils}`].sort());

      const q = { query: (sql: string) => s.sql.query(sql) } as never;
      const migration = new PatientIdentity1732800000000();
      await migration.down(q);
      // A duplicate stored while no constraint was there: the older Patient keeps the number.
      // "Older" is the lower rid; rids carry their partition in the top bits (partition-key.ts), so
      // the later row is put in the highest partition to be younger than every other.
      const dup = await s.sql.query(
        `INSERT INTO resource (rid, resource_type, id, version_id, last_updated, content)
         VALUES ((16::bigint << 48) + nextval('resource_rid_seq'), 'Patient', 'backfill-dup', 1, now(), $1) RETURNING rid::text`,
        [JSON.stringify(patient([{ system: OMS, value: oms }]))],
      );
      await migration.up(q);
      expect(await rows()).toEqual(byHook);
      expect(byHook.map((r) => r.patient_rid)).not.toContain(dup.rows[0].rid);
    } finally {
      await s.close();
    }
  });
});

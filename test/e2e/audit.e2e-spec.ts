import { AuditSealer } from '../../src/audit/audit-sealer';
import { demoCity } from '../../src/seed/demo-city';
import { startSeededServer, SeededServer } from '../support/seeded-server';
import { tokenFor } from '../support/tokens';

/**
 * CONTRACT.md "Audit" on the demo city: pract-1 works at org-poly-1 where pat-1 is attached;
 * pat-2 belongs to another polyclinic. One AuditEvent per interaction, allowed or refused;
 * auditors search it all, a patient only the events about their own record.
 */
describe('audit trail: recording, search and access', () => {
  let s: SeededServer;
  const auth: Record<string, string> = {};
  let obs1: string;
  let obs2: string;

  beforeAll(async () => {
    s = await startSeededServer();
    auth.admin = `Bearer ${await tokenFor({ roles: ['admin'], sub: 'admin-1' })}`;
    auth.clinician = `Bearer ${await tokenFor({ roles: ['clinician'], fhirUser: 'Practitioner/pract-1', sub: 'dr-ivanova' })}`;
    auth.patient1 = `Bearer ${await tokenFor({ roles: ['patient'], fhirUser: 'Patient/pat-1' })}`;
    auth.patient2 = `Bearer ${await tokenFor({ roles: ['patient'], fhirUser: 'Patient/pat-2' })}`;
    auth.auditor = `Bearer ${await tokenFor({ roles: ['auditor'], sub: 'auditor-1' })}`;
    auth.system = `Bearer ${await tokenFor({ roles: ['system'], sub: 'clinic-app' })}`;
    if (!s.seeded) {
      // Conformance resources stored at start make the database non-empty: write the city ourselves.
      const r = await s.as(auth.admin).post('/fhir').set('Content-Type', 'application/fhir+json').set('Prefer', 'return=minimal').send(JSON.stringify(demoCity()));
      expect(r.status).toBe(200);
    }
    obs1 = await anObservationOf('pat-1');
    obs2 = await anObservationOf('pat-2');
  });
  afterAll(async () => {
    await s.close();
  });

  async function anObservationOf(patientId: string): Promise<string> {
    const r = await s.sql.query(
      `SELECT r.id FROM resource r JOIN resource_compartment c ON c.rid = r.rid
        WHERE r.resource_type = 'Observation' AND NOT r.deleted AND c.patient_id = $1 ORDER BY r.id LIMIT 1`,
      [patientId],
    );
    return r.rows[0].id;
  }

  /** The newest AuditEvent (the one the last request left). */
  async function last(n = 1): Promise<Record<string, any>[]> {
    const r = await s.sql.query(`SELECT content FROM audit_event ORDER BY seq DESC LIMIT $1`, [n]);
    return r.rows.map((x) => JSON.parse(x.content)).reverse();
  }
  const entities = (e: Record<string, any>) => (e.entity ?? []).map((x: any) => x.what?.reference ?? `query:${Buffer.from(x.query, 'base64').toString()}`);

  it('records a read with its patient before the answer leaves (fail closed order)', async () => {
    const res = await s.as(auth.clinician).get(`/fhir/Observation/${obs1}`);
    expect(res.status).toBe(200);
    // Committed by the time the response arrived: read it from another connection at once.
    const [e] = await last();
    expect(e.subtype).toEqual([{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read', display: 'read' }]);
    expect(e.type.code).toBe('rest');
    expect(e.action).toBe('R');
    expect(e.outcome).toBe('0');
    expect(e.agent[0].who).toEqual({ reference: 'Practitioner/pract-1' });
    expect(e.agent[0].altId).toBe('dr-ivanova');
    expect(e.agent[0].role).toEqual([{ coding: [{ system: 'https://kartoteka.example/fhir/CodeSystem/role', code: 'clinician' }] }]);
    expect(e.agent[0].network).toEqual({ address: '127.0.0.1', type: '2' });
    expect(e.source.observer.identifier.value).toBe('kartoteka');
    expect(entities(e)).toEqual([`Observation/${obs1}`, 'Patient/pat-1']);
    expect(e.entity[1].role.code).toBe('1');
    expect(e.purposeOfEvent).toBeUndefined();
  });

  it('records a write in its own transaction, with the version written and the patient', async () => {
    const res = await s.as(auth.clinician).post('/fhir/Observation').set('Content-Type', 'application/fhir+json').send(
      JSON.stringify({
        resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: 'Patient/pat-1' }, valueQuantity: { value: 61, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
      }),
    );
    expect(res.status).toBe(201);
    const id = JSON.parse(res.text).id;
    const [e] = await last();
    expect(e.action).toBe('C');
    expect(e.subtype[0].code).toBe('create');
    expect(e.agent[0].type.coding[0].code).toBe('AUT');
    expect(entities(e)).toEqual([`Observation/${id}/_history/1`, 'Patient/pat-1']);
    // The same transaction: the audit row's transaction id is the resource row's.
    const tx = await s.sql.query(
      `SELECT (SELECT xmin::text FROM resource WHERE resource_type = 'Observation' AND id = $1) AS resource_tx,
              (SELECT txid::text FROM audit_event WHERE id = $2) AS audit_tx`,
      [id, e.id],
    );
    expect(tx.rows[0].audit_tx).toBe(tx.rows[0].resource_tx);
  });

  it('records a refused write, and no write event, when the transaction rolls back', async () => {
    const before = Number((await s.sql.query('SELECT count(*) FROM audit_event')).rows[0].count);
    const res = await s.as(auth.admin).post('/fhir').set('Content-Type', 'application/fhir+json').send(
      JSON.stringify({
        resourceType: 'Bundle', type: 'transaction',
        entry: [
          { resource: { resourceType: 'Patient', name: [{ family: 'Откат' }] }, request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Observation', status: 'not-a-status' }, request: { method: 'POST', url: 'Observation' } },
        ],
      }),
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    const after = await last(Number((await s.sql.query('SELECT count(*) FROM audit_event')).rows[0].count) - before);
    expect(after).toHaveLength(1);
    expect(after[0].outcome).toBe('4');
    expect(after[0].subtype[0].code).toBe('batch');
    expect(after[0].outcomeDesc).toMatch(new RegExp(`^HTTP ${res.status}`));
  });

  it('records refusals: 401 without a token, 403 for a role, 404 outside the caller\'s reach', async () => {
    expect((await s.as('').get(`/fhir/Observation/${obs2}`)).status).toBe(401);
    let [e] = await last();
    expect(e.outcome).toBe('4');
    expect(e.outcomeDesc).toMatch(/^HTTP 401/);
    expect(e.agent[0].who).toEqual({ display: 'unauthenticated' });
    // Refused before the URL was parsed, yet recorded against its target: pat-2 sees the attempt.
    expect([e.subtype[0].code, e.action]).toEqual(['read', 'R']);
    expect(entities(e)).toEqual([`Observation/${obs2}`, 'Patient/pat-2']);

    expect((await s.as(auth.clinician).get('/fhir/AuditEvent')).status).toBe(403);
    [e] = await last();
    expect([e.outcome, e.subtype[0].code, e.action]).toEqual(['4', 'search-type', 'E']);
    expect(e.agent[0].who.reference).toBe('Practitioner/pract-1');

    // pat-2 is not attached to pract-1's polyclinic: 404, and pat-2 can see the attempt.
    expect((await s.as(auth.clinician).get(`/fhir/Observation/${obs2}`)).status).toBe(404);
    [e] = await last();
    expect([e.outcome, e.action, e.outcomeDesc.slice(0, 8)]).toEqual(['4', 'R', 'HTTP 404']);
    expect(entities(e)).toEqual([`Observation/${obs2}`, 'Patient/pat-2']);
  });

  it('records break-glass with purposeOfEvent BTG and its reason', async () => {
    const res = await s.as(auth.clinician).get(`/fhir/Observation/${obs2}`).set('X-Break-Glass', 'unconscious in ER');
    expect(res.status).toBe(200);
    const [e] = await last();
    expect(e.purposeOfEvent).toEqual([
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG', display: 'break the glass' }], text: 'unconscious in ER' },
    ]);
    expect(entities(e)).toEqual([`Observation/${obs2}`, 'Patient/pat-2']);
    const found = await s.as(auth.auditor).get('/fhir/AuditEvent?purpose-of-use=http://terminology.hl7.org/CodeSystem/v3-ActReason|BTG');
    expect(found.status).toBe(200);
    const ids = JSON.parse(found.text).entry.map((x: any) => x.resource.id);
    expect(ids).toEqual([e.id]);
  });

  it('records a search as a query with one entity per patient whose data came back', async () => {
    const res = await s.as(auth.admin).get('/fhir/Observation?patient=Patient/pat-1,Patient/pat-2&_count=1000');
    expect(res.status).toBe(200);
    const [e] = await last();
    expect(e.action).toBe('E');
    expect(e.subtype[0].code).toBe('search-type');
    expect(entities(e)).toEqual(['query:patient=Patient%2Fpat-1%2CPatient%2Fpat-2&_count=1000', 'Patient/pat-1', 'Patient/pat-2']);
  });

  it('lets an auditor search by patient, agent, entity, subtype, action, outcome, type, source and date', async () => {
    const get = async (q: string) => {
      const r = await s.as(auth.auditor).get(`/fhir/AuditEvent?${q}`);
      expect(r.status).toBe(200);
      return JSON.parse(r.text).entry?.map((x: any) => x.resource) ?? [];
    };
    const mine = await get('patient=Patient/pat-2&_count=1000');
    expect(mine.length).toBeGreaterThanOrEqual(3);
    for (const e of mine) expect(entities(e).concat(e.agent.map((a: any) => a.who?.reference))).toContain('Patient/pat-2');
    const byAgent = await get('agent=Practitioner/pract-1&outcome=4&_count=1000');
    expect(byAgent.map((e: any) => e.outcomeDesc.slice(0, 8)).sort()).toEqual(['HTTP 403', 'HTTP 404']);
    expect(await get('agent:identifier=dr-ivanova&subtype=read&outcome=0&_count=1000')).toHaveLength(2);
    const byEntity = await get(`entity=Observation/${obs2}`);
    // The city's transaction that wrote it, the break-glass read, the unauthenticated read (401), the refused read (404).
    expect(byEntity.map((e: any) => e.outcome).sort()).toEqual(['0', '0', '4', '4']);
    const created = await get('action=C&type=rest&source=kartoteka&_count=1000');
    expect(created.map((e: any) => e.subtype[0].code)).toEqual(['create']);
    expect(await get('source=Device/elsewhere')).toEqual([]);
    const now = new Date();
    expect((await get(`date=ge${new Date(now.getTime() - 60_000).toISOString()}&_count=5`)).length).toBe(5);
    expect(await get(`date=gt${new Date(now.getTime() + 60_000).toISOString()}`)).toEqual([]);
  });

  it('pages with next links, newest first, every event once', async () => {
    const total = Number((await s.sql.query('SELECT count(*) FROM audit_event')).rows[0].count);
    const seen: string[] = [];
    let url: string | undefined = '/fhir/AuditEvent?_count=7&_total=accurate';
    let pages = 0;
    while (url) {
      const r = await s.as(auth.auditor).get(url);
      expect(r.status).toBe(200);
      const b = JSON.parse(r.text);
      if (pages === 0) expect(b.total).toBeGreaterThanOrEqual(total);
      seen.push(...(b.entry ?? []).map((x: any) => x.resource.id));
      const next = b.link.find((l: any) => l.relation === 'next')?.url;
      url = next ? next.slice(next.indexOf('/fhir/')) : undefined;
      pages++;
    }
    // Every search adds events of its own; the ones that existed before are all there, once.
    expect(new Set(seen).size).toBe(seen.length);
    const before = (await s.sql.query('SELECT id FROM audit_event ORDER BY seq LIMIT $1', [total])).rows.map((r) => r.id);
    expect(seen.filter((id) => before.includes(id)).sort()).toEqual([...before].sort());
    expect(pages).toBeGreaterThan(2);
  });

  it('shows a patient the events about their own record only, masking other patients', async () => {
    // A search that returned pat-1's and pat-2's data is about both; pat-1 sees it without pat-2.
    const r = await s.as(auth.patient1).get('/fhir/AuditEvent?_count=1000');
    expect(r.status).toBe(200);
    const events = JSON.parse(r.text).entry.map((x: any) => x.resource);
    expect(events.length).toBeGreaterThan(2);
    for (const e of events) {
      const refs = entities(e);
      expect(refs).toContain('Patient/pat-1');
      expect(refs).not.toContain('Patient/pat-2');
      expect(refs.some((x: string) => x.startsWith('query:'))).toBe(false);
    }
    const both = events.find((e: any) => e.subtype[0].code === 'search-type' && e.agent[0].who.identifier?.value === 'admin-1');
    expect(both.meta.tag).toEqual([{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' }]);
    // "Who opened my record": the clinician's read is there.
    expect(events.some((e: any) => e.agent[0].who.reference === 'Practitioner/pract-1' && e.subtype[0].code === 'read')).toBe(true);

    // Asking for someone else's events narrows to nothing; reading one by id is 404.
    const other = await s.as(auth.patient1).get('/fhir/AuditEvent?patient=Patient/pat-2');
    expect(JSON.parse(other.text).entry).toBeUndefined();
    const pat2Event = (await s.sql.query(`SELECT id FROM audit_event WHERE 'pat-2' = ANY(patients) AND NOT 'pat-1' = ANY(patients) LIMIT 1`)).rows[0].id;
    expect((await s.as(auth.patient1).get(`/fhir/AuditEvent/${pat2Event}`)).status).toBe(404);
    expect((await s.as(auth.patient2).get(`/fhir/AuditEvent/${pat2Event}`)).status).toBe(200);
    expect((await s.as(auth.auditor).get(`/fhir/AuditEvent/${pat2Event}`)).status).toBe(200);
    // The patient's own search of the log is recorded as about their record.
    const [e] = await last(1);
    expect(entities(e)).toContain('Patient/pat-2');
  });

  it('refuses AuditEvent to clinicians and systems (403), and verification and export to patients', async () => {
    for (const who of ['clinician', 'system']) {
      expect((await s.as(auth[who]).get('/fhir/AuditEvent')).status).toBe(403);
      expect((await s.as(auth[who]).get('/fhir/AuditEvent/$verify')).status).toBe(403);
      expect((await s.as(auth[who]).get('/audit/export')).status).toBe(403);
    }
    expect((await s.as(auth.patient1).get('/fhir/AuditEvent/$verify')).status).toBe(403);
    const ex = await s.as(auth.patient1).get('/audit/export');
    expect(ex.status).toBe(403);
    expect(JSON.parse(ex.text).resourceType).toBe('OperationOutcome');
    const none = await s.as('').get('/audit/export');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    const [e] = await last();
    expect([e.type.code, e.outcome, e.outcomeDesc.slice(0, 8)]).toEqual(['110106', '4', 'HTTP 401']);
  });

  it('answers 405 to every write of an AuditEvent', async () => {
    const id = (await last())[0].id;
    const body = JSON.stringify({ resourceType: 'AuditEvent' });
    const j = { 'Content-Type': 'application/fhir+json' };
    expect((await s.as(auth.admin).post('/fhir/AuditEvent').set(j).send(body)).status).toBe(405);
    expect((await s.as(auth.admin).put(`/fhir/AuditEvent/${id}`).set(j).send(body)).status).toBe(405);
    expect((await s.as(auth.admin).patch(`/fhir/AuditEvent/${id}`).set('Content-Type', 'application/json-patch+json').send('[]')).status).toBe(405);
    expect((await s.as(auth.admin).delete(`/fhir/AuditEvent/${id}`)).status).toBe(405);
  });

  it('exports the log as NDJSON and CSV, streamed, and records the export', async () => {
    const since = (await s.sql.query('SELECT min(recorded) AS t FROM audit_event')).rows[0].t as Date;
    const until = new Date(Date.now() + 1000);
    const count = Number((await s.sql.query('SELECT count(*) FROM audit_event WHERE recorded < $1', [until])).rows[0].count);
    const q = `since=${since.toISOString()}&until=${until.toISOString()}`;
    const nd = await s.as(auth.auditor).get(`/audit/export?${q}&format=ndjson`);
    expect(nd.status).toBe(200);
    expect(nd.headers['content-type']).toBe('application/fhir+ndjson');
    const lines = nd.text.trimEnd().split('\n').map((l) => JSON.parse(l));
    // The export's own AuditEvent was committed before the first byte, so it is in the export.
    expect(lines).toHaveLength(count + 1);
    expect(lines[lines.length - 1].type.code).toBe('110106');
    expect(lines[lines.length - 1].outcome).toBe('0');
    expect(lines.every((e) => e.resourceType === 'AuditEvent')).toBe(true);
    const stamps = lines.map((e) => e.recorded);
    expect([...stamps].sort()).toEqual(stamps);

    const csv = await s.as(auth.admin).get(`/audit/export?${q}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = csv.text.split('\r\n').filter(Boolean);
    expect(rows[0]).toBe('id,recorded,type,subtype,action,outcome,agent,roles,address,purposeOfEvent,patients,entities');
    expect(rows).toHaveLength(count + 3);
    expect(rows.some((r) => r.includes(',BTG,Patient/pat-2,'))).toBe(true);

    const none = await s.as(auth.auditor).get(`/audit/export?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z`);
    expect(none.status).toBe(200);
    expect(none.text).toBe('');
    expect((await s.as(auth.auditor).get('/audit/export?format=xml')).status).toBe(400);
  });

  it('seals everything it recorded into a chain that verifies', async () => {
    await s.app.app.get(AuditSealer).sealNow();
    const n = Number((await s.sql.query('SELECT count(*) FROM audit_seal')).rows[0].count);
    const r = await s.as(auth.auditor).get('/fhir/AuditEvent/$verify');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({
      resourceType: 'Parameters',
      parameter: [{ name: 'result', valueBoolean: true }, { name: 'checked', valueInteger: n }],
    });
  });
  it('names the operation of an operation event ($everything), allowed or refused', async () => {
    const ok = await s.as(auth.clinician).get('/fhir/Patient/pat-1/$everything?_count=5');
    expect(ok.status).toBe(200);
    const [e] = await last();
    expect(e.subtype).toEqual([
      { system: 'http://hl7.org/fhir/restful-interaction', code: 'operation', display: 'operation' },
      { system: 'urn:ietf:rfc:3986', code: 'http://hl7.org/fhir/OperationDefinition/Patient-everything', display: '$everything' },
    ]);
    expect(entities(e)).toEqual(['query:_count=5', 'Patient/pat-1']);
    const refused = await s.as(auth.clinician).get('/fhir/Patient/pat-2/$everything');
    expect(refused.status).toBe(404);
    const [r] = await last();
    expect(r.outcome).toBe('4');
    expect(r.subtype[1]).toEqual({ display: '$everything' });
  });
});

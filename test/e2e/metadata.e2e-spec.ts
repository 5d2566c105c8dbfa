import request from 'supertest';
import { startTestServer, TestServer } from '../support/test-app';

const json = (res: request.Response) => JSON.parse(res.text);

describe('CapabilityStatement, $validate, health', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it('GET /fhir/metadata is generated from the registered types, parameters and operations', async () => {
    const res = await s.api.get('/fhir/metadata');
    expect(res.status).toBe(200);
    const cs = json(res);
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.format).toContain('application/fhir+json');
    const types = cs.rest[0].resource.map((r: { type: string }) => r.type);
    for (const t of ['Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Encounter', 'EpisodeOfCare', 'Observation',
      'Condition', 'Procedure', 'MedicationRequest', 'MedicationStatement', 'AllergyIntolerance', 'Immunization', 'DiagnosticReport',
      'DocumentReference', 'CarePlan', 'Consent', 'Provenance', 'Group', 'AuditEvent', 'StructureDefinition', 'NamingSystem',
      'SearchParameter', 'ValueSet', 'CodeSystem']) {
      expect(types).toContain(t);
    }
    const patient = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Patient');
    const params = patient.searchParam.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['identifier', 'family', 'birthdate', 'general-practitioner', 'organization', '_id', '_lastUpdated']));
    expect(patient.interaction.map((i: { code: string }) => i.code)).toEqual(
      expect.arrayContaining(['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create']),
    );
    expect(patient.operation.map((o: { name: string }) => o.name)).toContain('validate');
    const sd = cs.rest[0].resource.find((r: { type: string }) => r.type === 'StructureDefinition');
    expect(sd.interaction.map((i: { code: string }) => i.code)).not.toContain('create');
    expect(cs.rest[0].interaction.map((i: { code: string }) => i.code)).toEqual(expect.arrayContaining(['transaction', 'batch']));
  });

  it('conformance types are read-only: create answers 405', async () => {
    const res = await s.api
      .post('/fhir/ValueSet')
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'ValueSet', status: 'draft' }));
    expect(res.status).toBe(405);
    expect(json(res).resourceType).toBe('OperationOutcome');
  });

  it('$validate answers 200 with the issues, and stores nothing', async () => {
    const bad = await s.api
      .post('/fhir/Patient/$validate')
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', gender: 'robot', name: [{ family: 'Валидов' }] }));
    expect(bad.status).toBe(200);
    const oo = json(bad);
    expect(oo.issue.some((i: { severity: string; expression?: string[] }) => i.severity === 'error' && i.expression?.[0] === 'Patient.gender')).toBe(true);
    const good = await s.api
      .post('/fhir/Patient/$validate')
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'resource', resource: { resourceType: 'Patient', gender: 'female' } }] }));
    expect(good.status).toBe(200);
    expect(json(good).issue).toEqual([{ severity: 'information', code: 'informational', diagnostics: 'The resource is valid' }]);
    const n = await s.sql.query(`SELECT count(*)::int AS n FROM resource WHERE content LIKE '%Валидов%'`);
    expect(n.rows[0].n).toBe(0);
  });

  it('HEAD answers the headers of GET without a body', async () => {
    const created = json(
      await s.api.post('/fhir/Patient').set('Content-Type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Patient' })),
    );
    const res = await s.api.head(`/fhir/Patient/${created.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.text ?? '').toBe('');
  });

  it('/healthz and /readyz answer without a token', async () => {
    expect((await s.api.get('/healthz')).status).toBe(200);
    const ready = await s.api.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    expect(ready.body.details.database.status).toBe('up');
    expect(ready.body.details.migrations.status).toBe('up');
  });
});

import request from 'supertest';
import { startTestServer, TestServer } from '../support/test-app';

const json = (res: request.Response) => JSON.parse(res.text);

describe('batch and transaction Bundles', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.close();
  });
  const postBundle = (bundle: unknown) =>
    s.api.post('/fhir').set('Content-Type', 'application/fhir+json').send(JSON.stringify(bundle));

  it('a transaction writes every entry, rewrites urn:uuid references and answers in entry order', async () => {
    const tag = `tx${Date.now()}`;
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a',
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: tag },
            subject: { reference: 'urn:uuid:0b9e5c1e-0000-4000-8000-000000000001' },
          },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          fullUrl: 'urn:uuid:0b9e5c1e-0000-4000-8000-000000000001',
          resource: { resourceType: 'Patient', name: [{ family: tag }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: { resourceType: 'Practitioner', id: `${tag}-pr`, name: [{ family: tag }] },
          request: { method: 'PUT', url: `Practitioner/${tag}-pr` },
        },
      ],
    };
    const res = await postBundle(bundle);
    expect(res.status).toBe(200);
    const body = json(res);
    expect(body.type).toBe('transaction-response');
    expect(body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['201', '201', '201']);
    const obs = body.entry[0].resource;
    const pat = body.entry[1].resource;
    expect(obs.subject.reference).toBe(`Patient/${pat.id}`);
    expect(body.entry[1].response.location).toBe(`Patient/${pat.id}/_history/1`);
    const stored = json(await s.api.get(`/fhir/Observation/${obs.id}`));
    expect(stored.subject.reference).toBe(`Patient/${pat.id}`);
    // One clock for the whole transaction.
    expect(obs.meta.lastUpdated).toBe(pat.meta.lastUpdated);
    const comp = await s.sql.query(
      `SELECT c.patient_id FROM resource_compartment c JOIN resource r ON r.rid = c.rid WHERE r.resource_type = 'Observation' AND r.id = $1`,
      [obs.id],
    );
    expect(comp.rows).toEqual([{ patient_id: pat.id }]);
  });

  it('a transaction with one invalid entry stores nothing and names the entry', async () => {
    const tag = `txbad${Date.now()}`;
    const entries = [0, 1, 2].map((i) => ({
      resource: { resourceType: 'Patient', name: [{ family: `${tag}${i}` }] },
      request: { method: 'POST', url: 'Patient' },
    }));
    const res = await postBundle({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [...entries, { resource: { resourceType: 'Observation', status: 'bogus', code: { text: 'x' } }, request: { method: 'POST', url: 'Observation' } }],
    });
    expect(res.status).toBe(422);
    const oo = json(res);
    expect(oo.resourceType).toBe('OperationOutcome');
    expect(oo.issue[0].diagnostics).toContain('Bundle.entry[3]');
    const n = await s.sql.query(`SELECT count(*)::int AS n FROM resource WHERE content LIKE $1`, [`%${tag}%`]);
    expect(n.rows[0].n).toBe(0);
  });

  it('a transaction that updates a stale version is refused whole (412)', async () => {
    const tag = `txver${Date.now()}`;
    const id = `${tag}-p`;
    await s.api.put(`/fhir/Patient/${id}`).set('Content-Type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Patient', id }));
    const res = await postBundle({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', name: [{ family: tag }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', id, active: true }, request: { method: 'PUT', url: `Patient/${id}`, ifMatch: 'W/"5"' } },
      ],
    });
    expect(res.status).toBe(412);
    const n = await s.sql.query(`SELECT count(*)::int AS n FROM resource WHERE content LIKE $1`, [`%${tag}"%`]);
    expect(n.rows[0].n).toBe(0);
  });

  it('conditional create inside a transaction matches the existing resource and references point at it', async () => {
    const value = `m${Date.now()}`;
    const system = 'http://example.org/mrn';
    const first = await s.api
      .post('/fhir/Patient')
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', identifier: [{ system, value }] }));
    const existingId = json(first).id;
    const res = await postBundle({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:5b1f6b0e-1111-4000-8000-000000000002',
          resource: { resourceType: 'Patient', identifier: [{ system, value }] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${system}|${value}` },
        },
        {
          resource: { resourceType: 'Condition', subject: { reference: 'urn:uuid:5b1f6b0e-1111-4000-8000-000000000002' }, code: { text: 'x' } },
          request: { method: 'POST', url: 'Condition' },
        },
      ],
    });
    expect(res.status).toBe(200);
    const body = json(res);
    expect(body.entry[0].response.status).toBe('200');
    expect(body.entry[1].resource.subject.reference).toBe(`Patient/${existingId}`);
  });

  it('two entries naming one resource are refused (400)', async () => {
    const res = await postBundle({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', id: 'dup1' }, request: { method: 'PUT', url: 'Patient/dup1' } },
        { resource: { resourceType: 'Patient', id: 'dup1', active: true }, request: { method: 'PUT', url: 'Patient/dup1' } },
      ],
    });
    expect(res.status).toBe(400);
  });

  it('a batch answers each entry on its own, failures as OperationOutcomes', async () => {
    const created = json(
      await s.api.post('/fhir/Patient').set('Content-Type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Patient' })),
    );
    const res = await postBundle({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Patient', gender: 'female' }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', gender: 'robot' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: `Patient/${created.id}` } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
        { request: { method: 'DELETE', url: `Patient/${created.id}` } },
      ],
    });
    expect(res.status).toBe(200);
    const body = json(res);
    expect(body.type).toBe('batch-response');
    expect(body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['201', '422', '200', '404', '200']);
    expect(body.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect(body.entry[2].resource.id).toBe(created.id);
    expect((await s.api.get(`/fhir/Patient/${created.id}`)).status).toBe(410);
  });

  it('refuses a Bundle that is neither batch nor transaction', async () => {
    const res = await postBundle({ resourceType: 'Bundle', type: 'collection', entry: [] });
    expect(res.status).toBe(400);
    expect(json(res).issue[0].expression).toEqual(['Bundle.type']);
  });
});

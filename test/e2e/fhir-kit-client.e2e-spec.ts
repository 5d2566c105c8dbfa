import { randomUUID } from 'node:crypto';
import { startTestServer, TestServer } from '../support/test-app';
import { adminAuth } from '../support/tokens';

/**
 * fhir-kit-client 2 as a real, unmodified FHIR client against the server: what a clinic's
 * integration engineer would do first (STYLE.md, "Tests").
 */

type Kit = typeof import('fhir-kit-client', { with: { 'resolution-mode': 'import' } });
type KitClient = InstanceType<Kit['Client']>;
// Loose resource shape: the client answers Record<string, unknown>.
type R = any;

/** fhir-kit-client rejects with an Error carrying `response.status` and `response.data`. */
async function failure(p: Promise<unknown>): Promise<{ status: number; data: R }> {
  try {
    await p;
  } catch (e) {
    const err = e as { response?: { status: number; data: R } };
    if (!err.response) throw e;
    return err.response;
  }
  throw new Error('expected the request to fail');
}

describe('fhir-kit-client against the server', () => {
  let s: TestServer;
  let kit: Kit;
  let client: KitClient;
  beforeAll(async () => {
    s = await startTestServer();
    kit = await import('fhir-kit-client');
    client = new kit.Client({ baseUrl: s.base, customHeaders: { Authorization: await adminAuth() } });
  });
  afterAll(async () => {
    await s.close();
  });

  const response = (r: unknown): Response => kit.Client.httpFor(r as R).response as Response;
  const patient = (family: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Patient',
    name: [{ family, given: ['Мария'] }],
    gender: 'female',
    birthDate: '1990-01-02',
    ...extra,
  });
  const unique = (prefix: string) => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 10)}`;

  it('capabilityStatement(): an R4 CapabilityStatement listing Patient with its interactions', async () => {
    const cs: R = await client.capabilityStatement();
    expect(response(cs).status).toBe(200);
    expect(response(cs).headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.format).toContain('application/fhir+json');
    const rest = cs.rest[0];
    expect(rest.mode).toBe('server');
    const p = rest.resource.find((r: R) => r.type === 'Patient');
    expect(p.interaction.map((i: R) => i.code).sort()).toEqual(
      ['create', 'delete', 'history-instance', 'history-type', 'patch', 'read', 'search-type', 'update', 'vread'].sort(),
    );
    expect(p.searchParam.map((sp: R) => sp.name)).toEqual(expect.arrayContaining(['identifier', 'name', 'birthdate', 'gender']));
    expect(rest.interaction.map((i: R) => i.code)).toEqual(expect.arrayContaining(['transaction', 'batch']));
  });

  it('create, read, vread, update, patch, history, delete', async () => {
    const family = unique('Клиентова');
    const created: R = await client.create({ resourceType: 'Patient', body: patient(family) });
    expect(response(created).status).toBe(201);
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.meta.versionId).toBe('1');
    expect(response(created).headers.get('location')).toBe(`${s.base}/Patient/${created.id}/_history/1`);
    expect(response(created).headers.get('etag')).toBe('W/"1"');
    const id: string = created.id;

    const read: R = await client.read({ resourceType: 'Patient', id });
    expect({ ...read }).toEqual({ ...created });
    expect(response(read).headers.get('etag')).toBe('W/"1"');

    const updated: R = await client.update({ resourceType: 'Patient', id, body: { ...patient(family), id, gender: 'other' } });
    expect(response(updated).status).toBe(200);
    expect(updated.meta.versionId).toBe('2');
    expect(updated.gender).toBe('other');

    const patched: R = await client.patch({
      resourceType: 'Patient',
      id,
      jsonPatch: [
        { op: 'test', path: '/gender', value: 'other' },
        { op: 'replace', path: '/birthDate', value: '1991-03-04' },
      ],
    });
    expect(response(patched).status).toBe(200);
    expect(patched.meta.versionId).toBe('3');
    expect(patched.birthDate).toBe('1991-03-04');
    expect(patched.gender).toBe('other');

    const v1: R = await client.vread({ resourceType: 'Patient', id, version: '1' });
    expect({ ...v1 }).toEqual({ ...created });
    const v2: R = await client.vread({ resourceType: 'Patient', id, version: '2' });
    expect(v2.gender).toBe('other');
    expect(v2.birthDate).toBe('1990-01-02');

    const history: R = await client.history({ resourceType: 'Patient', id });
    expect(history.resourceType).toBe('Bundle');
    expect(history.type).toBe('history');
    expect(history.entry.map((e: R) => e.resource.meta.versionId)).toEqual(['3', '2', '1']);

    const deleted: R = await client.delete({ resourceType: 'Patient', id });
    expect([200, 204]).toContain(response(deleted).status);
    const gone = await failure(client.read({ resourceType: 'Patient', id }));
    expect(gone.status).toBe(410);
    expect(gone.data.resourceType).toBe('OperationOutcome');

    const after: R = await client.history({ resourceType: 'Patient', id });
    expect(after.entry).toHaveLength(4);
    expect(after.entry[0].request).toMatchObject({ method: 'DELETE' });
    expect(after.entry[0].resource).toBeUndefined();

    const rows = await s.sql.query('SELECT version_id, deleted FROM resource WHERE resource_type = $1 AND id = $2', ['Patient', id]);
    expect(rows.rows).toEqual([{ version_id: 4, deleted: true }]);
  });

  it('a failing If-Match through the client is 412 with an OperationOutcome', async () => {
    const created: R = await client.create({ resourceType: 'Patient', body: patient(unique('Версия')) });
    await client.update({ resourceType: 'Patient', id: created.id, body: { ...patient('X'), id: created.id } });
    const stale = await failure(
      client.update({ resourceType: 'Patient', id: created.id, body: { ...patient('Y'), id: created.id }, options: { headers: { 'If-Match': 'W/"1"' } } }),
    );
    expect(stale.status).toBe(412);
    expect(stale.data.resourceType).toBe('OperationOutcome');
    const rows = await s.sql.query('SELECT version_id FROM resource WHERE resource_type = $1 AND id = $2', ['Patient', created.id]);
    expect(rows.rows).toEqual([{ version_id: 2 }]);
  });

  it('transaction: urn:uuid references are rewritten to the new Patient/<id>', async () => {
    const family = unique('Транзакция');
    const patientUrn = `urn:uuid:${randomUUID()}`;
    const observationUrn = `urn:uuid:${randomUUID()}`;
    const result: R = await client.transaction({
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: observationUrn,
            resource: {
              resourceType: 'Observation',
              status: 'final',
              code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }], text: 'Heart rate' },
              subject: { reference: patientUrn },
              valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
            },
            request: { method: 'POST', url: 'Observation' },
          },
          { fullUrl: patientUrn, resource: patient(family), request: { method: 'POST', url: 'Patient' } },
        ],
      },
    });
    expect(response(result).status).toBe(200);
    expect(result.resourceType).toBe('Bundle');
    expect(result.type).toBe('transaction-response');
    expect(result.entry).toHaveLength(2);
    expect(result.entry.map((e: R) => e.response.status.slice(0, 3))).toEqual(['201', '201']);
    const [obsLocation, patLocation] = result.entry.map((e: R) => e.response.location as string);
    const patientId = /Patient\/([^/]+)\/_history\/1$/.exec(patLocation)![1];
    const observationId = /Observation\/([^/]+)\/_history\/1$/.exec(obsLocation)![1];

    const obs: R = await client.read({ resourceType: 'Observation', id: observationId });
    expect(obs.subject).toEqual({ reference: `Patient/${patientId}` });
    const pat: R = await client.read({ resourceType: 'Patient', id: patientId });
    expect(pat.name[0].family).toBe(family);

    const stored = await s.sql.query('SELECT content FROM resource WHERE resource_type = $1 AND id = $2', ['Observation', observationId]);
    expect(JSON.parse(stored.rows[0].content).subject).toEqual({ reference: `Patient/${patientId}` });
    expect(stored.rows[0].content).not.toContain('urn:uuid');
    const refs = await s.sql.query(
      `SELECT x.target_type, x.target_id FROM sp_reference x JOIN resource r ON r.rid = x.rid
        WHERE r.resource_type = 'Observation' AND r.id = $1 AND x.param = 'subject'`,
      [observationId],
    );
    expect(refs.rows).toEqual([{ target_type: 'Patient', target_id: patientId }]);
  });

  it('batch: each entry answers on its own', async () => {
    const family = unique('Пакет');
    const result: R = await client.batch({
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: patient(family), request: { method: 'POST', url: 'Patient' } },
          { request: { method: 'GET', url: `Patient/${unique('missing-')}` } },
          { resource: { resourceType: 'Patient', gender: 'robot' }, request: { method: 'POST', url: 'Patient' } },
        ],
      },
    });
    expect(response(result).status).toBe(200);
    expect(result.type).toBe('batch-response');
    expect(result.entry.map((e: R) => e.response.status.slice(0, 3))).toEqual(['201', '404', expect.stringMatching(/^(400|422)$/)]);
    expect(result.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect(result.entry[2].response.outcome.resourceType).toBe('OperationOutcome');
    const createdId = /Patient\/([^/]+)\/_history\/1$/.exec(result.entry[0].response.location)![1];
    const stored = await s.sql.query(`SELECT id FROM resource WHERE resource_type = 'Patient' AND content LIKE $1`, [`%${family}%`]);
    expect(stored.rows).toEqual([{ id: createdId }]);
  });

  it('search by identifier (Patient?identifier=system|value) finds exactly that Patient', async () => {
    const system = 'urn:oid:1.2.643.5.1.13.2.7.100.5';
    const value = unique('MRN-');
    const target: R = await client.create({ resourceType: 'Patient', body: patient(unique('Искомая'), { identifier: [{ system, value }] }) });
    // Same value under another system, and same system with another value: neither may match.
    await client.create({ resourceType: 'Patient', body: patient(unique('Другая'), { identifier: [{ system: 'urn:example:other', value }] }) });
    await client.create({ resourceType: 'Patient', body: patient(unique('Третья'), { identifier: [{ system, value: `${value}0` }] }) });

    const bundle: R = await client.search({ resourceType: 'Patient', searchParams: { identifier: `${system}|${value}` } });
    expect(response(bundle).status).toBe(200);
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('searchset');
    expect(bundle.entry.map((e: R) => e.resource.id)).toEqual([target.id]);
    expect(bundle.entry[0].fullUrl).toBe(`${s.base}/Patient/${target.id}`);
    expect(bundle.entry[0].search).toEqual({ mode: 'match' });

    const none: R = await client.search({ resourceType: 'Patient', searchParams: { identifier: `${system}|${unique('nobody-')}` } });
    expect(none.entry ?? []).toEqual([]);
  });
});

import request from 'supertest';
import { startTestServer, TestServer } from '../support/test-app';

const FHIR = 'application/fhir+json';

describe('FHIR record store: create, read, vread, update, delete', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.close();
  });

  const patient = (family: string) => ({
    resourceType: 'Patient',
    name: [{ family, given: ['Иван', 'Петрович'] }],
    gender: 'male',
    birthDate: '1980-02-03',
  });

  it('creates a Patient with server id, meta, Location, ETag and Last-Modified', async () => {
    const res = await request(s.url).post('/fhir/Patient').set('Content-Type', FHIR).send(JSON.stringify(patient('Иванов')));
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    const body = JSON.parse(res.text);
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.meta.versionId).toBe('1');
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.headers.location).toBe(`${s.base}/Patient/${body.id}/_history/1`);
    expect(new Date(res.headers['last-modified']).getTime()).toBe(Math.floor(new Date(body.meta.lastUpdated).getTime() / 1000) * 1000);
    expect(body.name).toEqual([{ family: 'Иванов', given: ['Иван', 'Петрович'] }]);

    const read = await request(s.url).get(`/fhir/Patient/${body.id}`);
    expect(read.status).toBe(200);
    expect(JSON.parse(read.text)).toEqual(body);
    expect(read.headers.etag).toBe('W/"1"');

    const rows = await s.sql.query('SELECT version_id, deleted FROM resource WHERE resource_type = $1 AND id = $2', ['Patient', body.id]);
    expect(rows.rows).toEqual([{ version_id: 1, deleted: false }]);
  });
});

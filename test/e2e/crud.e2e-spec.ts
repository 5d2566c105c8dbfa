import request from 'supertest';
import { startTestServer, TestServer } from '../support/test-app';

const FHIR = 'application/fhir+json';
const json = (res: request.Response) => JSON.parse(res.text);

describe('FHIR record store: the interactions of FHIR R4 http.html', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.close();
  });

  const patient = (family: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Patient',
    name: [{ family, given: ['Иван', 'Петрович'] }],
    gender: 'male',
    birthDate: '1980-02-03',
    ...extra,
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    s.api.post(path).set({ 'Content-Type': FHIR, ...headers }).send(JSON.stringify(body));
  const put = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    s.api.put(path).set({ 'Content-Type': FHIR, ...headers }).send(JSON.stringify(body));

  it('creates a Patient with server id, meta, Location, ETag and Last-Modified', async () => {
    const res = await post('/fhir/Patient', patient('Иванов', { id: 'client-chosen', meta: { versionId: '99' } }));
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    const body = json(res);
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.meta.versionId).toBe('1');
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.headers.location).toBe(`${s.base}/Patient/${body.id}/_history/1`);
    expect(new Date(res.headers['last-modified']).getTime()).toBe(Math.floor(new Date(body.meta.lastUpdated).getTime() / 1000) * 1000);
    expect(body.name).toEqual([{ family: 'Иванов', given: ['Иван', 'Петрович'] }]);

    const read = await s.api.get(`/fhir/Patient/${body.id}`);
    expect(read.status).toBe(200);
    expect(json(read)).toEqual(body);
    expect(read.headers.etag).toBe('W/"1"');
    const rows = await s.sql.query('SELECT version_id, deleted FROM resource WHERE resource_type = $1 AND id = $2', ['Patient', body.id]);
    expect(rows.rows).toEqual([{ version_id: 1, deleted: false }]);
  });

  it('updates with If-Match, keeps every version, answers 412 on a stale ETag', async () => {
    const created = json(await post('/fhir/Patient', patient('Петров')));
    const v2 = await put(`/fhir/Patient/${created.id}`, { ...patient('Петрова'), id: created.id }, { 'If-Match': 'W/"1"' });
    expect(v2.status).toBe(200);
    expect(json(v2).meta.versionId).toBe('2');
    expect(v2.headers.etag).toBe('W/"2"');
    const stale = await put(`/fhir/Patient/${created.id}`, { ...patient('Сидорова'), id: created.id }, { 'If-Match': 'W/"1"' });
    expect(stale.status).toBe(412);
    expect(json(stale).resourceType).toBe('OperationOutcome');
    const v1 = await s.api.get(`/fhir/Patient/${created.id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(json(v1).name[0].family).toBe('Петров');
    const current = await s.api.get(`/fhir/Patient/${created.id}`);
    expect(json(current).name[0].family).toBe('Петрова');
    const missing = await s.api.get(`/fhir/Patient/${created.id}/_history/7`);
    expect(missing.status).toBe(404);
  });

  it('creates on update with a client id (201, Location), then updates (200)', async () => {
    const id = `cou-${Date.now()}`;
    const first = await put(`/fhir/Patient/${id}`, { ...patient('Смирнов'), id });
    expect(first.status).toBe(201);
    expect(first.headers.location).toBe(`${s.base}/Patient/${id}/_history/1`);
    const second = await put(`/fhir/Patient/${id}`, { ...patient('Смирнова'), id });
    expect(second.status).toBe(200);
    expect(json(second).meta.versionId).toBe('2');
  });

  it('honours Prefer: return=minimal and return=OperationOutcome', async () => {
    const minimal = await post('/fhir/Patient', patient('Кузнецов'), { Prefer: 'return=minimal' });
    expect(minimal.status).toBe(201);
    expect(minimal.text).toBe('');
    expect(minimal.headers.location).toMatch(/\/fhir\/Patient\/[0-9a-f-]{36}\/_history\/1$/);
    const oo = await post('/fhir/Patient', patient('Кузнецов'), { Prefer: 'return=OperationOutcome' });
    expect(oo.status).toBe(201);
    expect(json(oo).resourceType).toBe('OperationOutcome');
  });

  it('deletes softly: 410 on read, a delete version in history, vread of old versions still works', async () => {
    const created = json(await post('/fhir/Patient', patient('Удалов')));
    const del = await s.api.delete(`/fhir/Patient/${created.id}`);
    expect(del.status).toBe(200);
    expect(del.headers.etag).toBe('W/"2"');
    const gone = await s.api.get(`/fhir/Patient/${created.id}`);
    expect(gone.status).toBe(410);
    expect(json(gone).issue[0].code).toBe('deleted');
    const again = await s.api.delete(`/fhir/Patient/${created.id}`);
    expect(again.status).toBe(200);
    const history = json(await s.api.get(`/fhir/Patient/${created.id}/_history`));
    expect(history.type).toBe('history');
    expect(history.entry.map((e: { request: { method: string } }) => e.request.method)).toEqual(['DELETE', 'POST']);
    expect(history.entry[0].resource).toBeUndefined();
    expect((await s.api.get(`/fhir/Patient/${created.id}/_history/1`)).status).toBe(200);
    expect((await s.api.get(`/fhir/Patient/${created.id}/_history/2`)).status).toBe(410);
    const idx = await s.sql.query(
      `SELECT count(*)::int AS n FROM sp_string WHERE rid = (SELECT rid FROM resource WHERE resource_type = 'Patient' AND id = $1)`,
      [created.id],
    );
    expect(idx.rows[0].n).toBe(0);
    const unknown = await s.api.delete('/fhir/Patient/never-was-here');
    expect(unknown.status).toBe(404);
  });

  it('resurrects a deleted resource by update', async () => {
    const created = json(await post('/fhir/Patient', patient('Воскресенский')));
    await s.api.delete(`/fhir/Patient/${created.id}`);
    const back = await put(`/fhir/Patient/${created.id}`, { ...patient('Воскресенский'), id: created.id });
    expect(back.status).toBe(200);
    expect(json(back).meta.versionId).toBe('3');
    expect((await s.api.get(`/fhir/Patient/${created.id}`)).status).toBe(200);
  });

  it('patches with JSON Patch and validates the result', async () => {
    const created = json(await post('/fhir/Patient', patient('Патчев')));
    const ok = await s.api
      .patch(`/fhir/Patient/${created.id}`)
      .set('Content-Type', 'application/json-patch+json')
      .set('If-Match', 'W/"1"')
      .send(JSON.stringify([{ op: 'replace', path: '/gender', value: 'female' }, { op: 'add', path: '/active', value: true }]));
    expect(ok.status).toBe(200);
    expect(json(ok).gender).toBe('female');
    expect(json(ok).active).toBe(true);
    expect(json(ok).meta.versionId).toBe('2');
    const invalid = await s.api
      .patch(`/fhir/Patient/${created.id}`)
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/gender', value: 'robot' }]));
    expect(invalid.status).toBe(422);
    expect(json(invalid).issue[0].expression).toEqual(['Patient.gender']);
    expect(json(await s.api.get(`/fhir/Patient/${created.id}`)).gender).toBe('female');
  });

  it('conditional create: If-None-Exist returns the existing resource instead of a duplicate', async () => {
    const value = `${Date.now()}`.slice(-9);
    const system = 'http://example.org/mrn';
    const body = patient('Условный', { identifier: [{ system, value }] });
    const first = await post('/fhir/Patient', body, { 'If-None-Exist': `identifier=${system}|${value}` });
    expect(first.status).toBe(201);
    const second = await post('/fhir/Patient', body, { 'If-None-Exist': `identifier=${system}|${value}` });
    expect(second.status).toBe(200);
    expect(json(second).id).toBe(json(first).id);
    const n = await s.sql.query(`SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Patient' AND content LIKE $1`, [`%${value}%`]);
    expect(n.rows[0].n).toBe(1);
  });

  it('conditional update: updates the one match, creates when none, 412 when several', async () => {
    const system = 'http://example.org/cu';
    const value = `cu${Date.now()}`;
    const created = await put(`/fhir/Patient?identifier=${system}|${value}`, patient('Условнов', { identifier: [{ system, value }] }));
    expect(created.status).toBe(201);
    const updated = await put(`/fhir/Patient?identifier=${system}|${value}`, patient('Условнова', { identifier: [{ system, value }] }));
    expect(updated.status).toBe(200);
    expect(json(updated).id).toBe(json(created).id);
    expect(json(updated).meta.versionId).toBe('2');
    const family = `Двойник${Date.now()}`;
    await post('/fhir/Patient', patient(family));
    await post('/fhir/Patient', patient(family));
    const many = await put(`/fhir/Patient?family=${encodeURIComponent(family)}`, patient(family));
    expect(many.status).toBe(412);
  });

  it('serves type and system history, newest first, paged by a next link that visits each version once', async () => {
    const tag = `hist${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(json(await post('/fhir/Practitioner', { resourceType: 'Practitioner', name: [{ family: `${tag}${i}` }] })).id);
    const seen: string[] = [];
    let url: string | undefined = `/fhir/Practitioner/_history?_count=2`;
    let pages = 0;
    while (url && pages < 100) {
      const page = json(await s.api.get(url));
      expect(page.type).toBe('history');
      expect(page.entry?.length ?? 0).toBeLessThanOrEqual(2);
      for (const e of page.entry ?? []) seen.push(`${e.resource?.id}/${e.response.etag}`);
      const next = page.link.find((l: { relation: string }) => l.relation === 'next');
      url = next ? next.url.replace(s.url, '') : undefined;
      pages++;
    }
    for (const id of ids) expect(seen.filter((x) => x === `${id}/W/"1"`)).toHaveLength(1);
    expect(new Set(seen).size).toBe(seen.length);
    const system = json(await s.api.get('/fhir/_history?_count=3'));
    expect(system.entry).toHaveLength(3);
  });

  it('writes the index rows and the patient compartment in the same transaction as the resource', async () => {
    const p = json(await post('/fhir/Patient', patient('Индексов', { identifier: [{ system: 'urn:oid:1.2.643.100.3', value: '11223344595' }] })));
    const obs = json(
      await post('/fhir/Observation', {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        subject: { reference: `Patient/${p.id}` },
        effectiveDateTime: '2024-05-01',
        valueQuantity: { value: 72, unit: 'beats/min', system: 'http://unitsofmeasure.org', code: '/min' },
      }),
    );
    const rid = (await s.sql.query(`SELECT rid FROM resource WHERE resource_type = 'Observation' AND id = $1`, [obs.id])).rows[0].rid;
    const tokens = await s.sql.query(`SELECT system, code FROM sp_token WHERE rid = $1 AND param = 'code'`, [rid]);
    expect(tokens.rows).toEqual([{ system: 'http://loinc.org', code: '8867-4' }]);
    const refs = await s.sql.query(`SELECT param, target_type, target_id FROM sp_reference WHERE rid = $1 ORDER BY param`, [rid]);
    expect(refs.rows).toEqual([
      { param: 'patient', target_type: 'Patient', target_id: p.id },
      { param: 'subject', target_type: 'Patient', target_id: p.id },
    ]);
    const dates = await s.sql.query(`SELECT low, high FROM sp_date WHERE rid = $1 AND param = 'date'`, [rid]);
    expect(dates.rows).toEqual([{ low: new Date('2024-05-01T00:00:00.000Z'), high: new Date('2024-05-01T23:59:59.999Z') }]);
    const qty = await s.sql.query(`SELECT value::float8 AS value, code FROM sp_quantity WHERE rid = $1 AND param = 'value-quantity'`, [rid]);
    expect(qty.rows).toEqual([{ value: 72, code: '/min' }]);
    const comp = await s.sql.query(`SELECT patient_id FROM resource_compartment WHERE rid = $1`, [rid]);
    expect(comp.rows).toEqual([{ patient_id: p.id }]);
    const snils = await s.sql.query(
      `SELECT t.code FROM sp_token t JOIN resource r ON r.rid = t.rid WHERE r.id = $1 AND t.param = 'identifier'`,
      [p.id],
    );
    expect(snils.rows).toEqual([{ code: '11223344595' }]);
  });
});

import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import request from 'supertest';
import { startTestServer, TestServer } from '../support/test-app';
import { adminAuth } from '../support/tokens';

/**
 * Bad input of every kind (CONTRACT.md, "FHIR endpoint"): each answers the exact status with an
 * OperationOutcome, stores nothing, and never leaks a stack trace or the offending value.
 */

const FHIR = 'application/fhir+json';
const FHIR_JSON_UTF8 = 'application/fhir+json; charset=utf-8';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** No stack frames ("    at fn (file:1:2)"), no "Error:" prefixes from thrown errors. */
function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/\bat [^\s"]+ \(/);
  expect(text).not.toMatch(/\bat (?:file:|node:|\/)/);
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toContain('Error:');
  expect(text).not.toContain('.ts:');
  expect(text).not.toContain('node_modules');
}

/** The OperationOutcome shape every error answers with; returns the parsed body. */
function expectOutcome(res: { status: number; headers: Record<string, unknown>; text: string }, status: number, code?: string) {
  expect({ status: res.status, text: res.text }).toEqual({ status, text: expect.any(String) });
  expect(res.headers['content-type']).toBe(FHIR_JSON_UTF8);
  expectNoStackTrace(res.text);
  const body = JSON.parse(res.text);
  expect(body.resourceType).toBe('OperationOutcome');
  expect(Array.isArray(body.issue)).toBe(true);
  expect(body.issue.length).toBeGreaterThan(0);
  for (const issue of body.issue) {
    expect(['fatal', 'error', 'warning', 'information']).toContain(issue.severity);
    expect(typeof issue.code).toBe('string');
    expect(issue.code.length).toBeGreaterThan(0);
  }
  expect(body.issue.some((i: { severity: string }) => i.severity === 'error' || i.severity === 'fatal')).toBe(true);
  if (code) expect(body.issue.map((i: { code: string }) => i.code)).toContain(code);
  return body as { resourceType: 'OperationOutcome'; issue: { severity: string; code: string; diagnostics?: string; expression?: string[]; details?: { text?: string } }[] };
}

let adminHeader = '';

/** A request whose path is sent byte for byte (supertest and WHATWG URL would normalise it). */
function rawRequest(
  url: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const headers = { Authorization: adminHeader, ...opts.headers };
    const req = http.request({ host: hostname, port: Number(port), path, method: opts.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Writes raw bytes on a socket and reads until the server closes it (or a full response arrived). */
function rawSocket(url: string, payload: string): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      const head = split < 0 ? raw : raw.slice(0, split);
      const text = split < 0 ? '' : raw.slice(split + 4);
      const [statusLine, ...lines] = head.split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: m ? Number(m[1]) : 0, headers, text });
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const raw = Buffer.concat(chunks).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length:\s*(\d+)/i.exec(raw.slice(0, split < 0 ? raw.length : split));
      if (split >= 0 && len && Buffer.byteLength(raw.slice(split + 4)) >= Number(len[1])) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // The server may reset the connection after answering while we are still writing.
      if (chunks.length > 0) finish();
      else if (!settled) {
        settled = true;
        reject(e);
      }
    });
    socket.setTimeout(15000, () => {
      if (!settled) {
        settled = true;
        socket.destroy();
        reject(new Error('no answer from the server within 15 s'));
      }
    });
    socket.write(payload);
  });
}

describe('bad input answers an OperationOutcome with the right status, and stores nothing', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
    adminHeader = await adminAuth();
  });
  afterAll(async () => {
    await s.close();
  });

  const patient = (family: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Patient',
    name: [{ family, given: ['Анна'] }],
    gender: 'female',
    birthDate: '1980-02-03',
    ...extra,
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    s.api.post(path).set({ 'Content-Type': FHIR, ...headers }).send(typeof body === 'string' ? body : JSON.stringify(body));
  const put = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    s.api.put(path).set({ 'Content-Type': FHIR, ...headers }).send(typeof body === 'string' ? body : JSON.stringify(body));

  const countRows = async (type: string): Promise<{ resource: number; versions: number }> => {
    const r = await s.sql.query('SELECT count(*)::int AS n FROM resource WHERE resource_type = $1', [type]);
    const v = await s.sql.query('SELECT count(*)::int AS n FROM resource_version WHERE resource_type = $1', [type]);
    return { resource: r.rows[0].n, versions: v.rows[0].n };
  };
  const rowsMentioning = async (needle: string): Promise<number> => {
    const r = await s.sql.query(
      `SELECT (SELECT count(*) FROM resource WHERE content LIKE $1)::int + (SELECT count(*) FROM resource_version WHERE content LIKE $1)::int AS n`,
      [`%${needle}%`],
    );
    return r.rows[0].n;
  };
  const createPatient = async (family: string): Promise<string> => {
    const res = await post('/fhir/Patient', patient(family));
    expect(res.status).toBe(201);
    return JSON.parse(res.text).id;
  };
  const unique = (prefix: string) => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 12)}`;

  describe('bodies', () => {
    it('a malformed JSON body is 400 and nothing is stored', async () => {
      const family = unique('Broken');
      const before = await countRows('Patient');
      const res = await post('/fhir/Patient', `{"resourceType":"Patient","name":[{"family":"${family}"}],`);
      const body = expectOutcome(res, 400, 'invalid');
      expect(res.text).not.toContain(family);
      expect(body.issue[0].severity).toBe('error');
      expect(await countRows('Patient')).toEqual(before);
      expect(await rowsMentioning(family)).toBe(0);
    });

    it('a body that is JSON but not an object (an array, a string) is 400 and nothing is stored', async () => {
      const before = await countRows('Patient');
      expectOutcome(await post('/fhir/Patient', '[{"resourceType":"Patient"}]'), 400);
      expectOutcome(await post('/fhir/Patient', '"Patient"'), 400);
      expect(await countRows('Patient')).toEqual(before);
    });

    it.each([
      ['application/xml', '<Patient xmlns="http://hl7.org/fhir"><gender value="female"/></Patient>'],
      ['application/fhir+xml', '<Patient xmlns="http://hl7.org/fhir"><gender value="female"/></Patient>'],
      ['text/plain', JSON.stringify({ resourceType: 'Patient', gender: 'female' })],
    ])('POST with Content-Type %s is 415 and nothing is stored', async (contentType, payload) => {
      const before = await countRows('Patient');
      const res = await s.api.post('/fhir/Patient').set('Content-Type', contentType).send(payload);
      expectOutcome(res, 415, 'not-supported');
      expect(await countRows('Patient')).toEqual(before);
    });

    it('a body larger than FHIR_BODY_LIMIT is 413 and nothing is stored', async () => {
      const small = await startTestServer({ FHIR_BODY_LIMIT: '2048' });
      try {
        const family = unique('Huge');
        const before = await countRows('Patient');
        const big = patient(family, { text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(4096)}</div>` } });
        expect(JSON.stringify(big).length).toBeGreaterThan(4096);
        const res = await small.api.post('/fhir/Patient').set('Content-Type', FHIR).send(JSON.stringify(big));
        expectOutcome(res, 413, 'too-costly');
        expect(res.text).not.toContain(family);
        expect(await countRows('Patient')).toEqual(before);
        expect(await rowsMentioning(family)).toBe(0);

        // The limit is the limit: a body under it is accepted by the same server.
        const ok = await small.api.post('/fhir/Patient').set('Content-Type', FHIR).send(JSON.stringify(patient(family)));
        expect(ok.status).toBe(201);
      } finally {
        await small.close();
      }
    });
  });

  describe('content negotiation', () => {
    it('Accept: application/fhir+xml is 406', async () => {
      const id = await createPatient(unique('Accept'));
      const res = await s.api.get(`/fhir/Patient/${id}`).set('Accept', 'application/fhir+xml');
      expectOutcome(res, 406, 'not-supported');
      const meta = await s.api.get('/fhir/metadata').set('Accept', 'application/xml');
      expectOutcome(meta, 406, 'not-supported');
    });

    it('_format=xml is 406, _format=json is served', async () => {
      const id = await createPatient(unique('Format'));
      expectOutcome(await s.api.get(`/fhir/Patient/${id}?_format=xml`), 406, 'not-supported');
      expectOutcome(await s.api.get(`/fhir/Patient?_format=xml`), 406, 'not-supported');
      const ok = await s.api.get(`/fhir/Patient/${id}?_format=json`);
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.text).id).toBe(id);
    });
  });

  describe('URLs', () => {
    const badIds: [string, string][] = [
      ['65 characters', 'a'.repeat(65)],
      ['an underscore', 'a_b'],
      ['a percent-encoded $', '%24x'],
      ['a percent-encoded space', 'a%20b'],
    ];

    it.each(badIds)('read of an id with %s is 400', async (_what, rawId) => {
      const res = await rawRequest(s.url, `/fhir/Patient/${rawId}`);
      expectOutcome(res, 400, 'invalid');
    });

    it.each(badIds)('PUT of an id with %s is 400 and nothing is stored', async (_what, rawId) => {
      const before = await countRows('Patient');
      const id = decodeURIComponent(rawId);
      const res = await rawRequest(s.url, `/fhir/Patient/${rawId}`, {
        method: 'PUT',
        headers: { 'Content-Type': FHIR },
        body: JSON.stringify({ ...patient(unique('BadId')), id }),
      });
      expectOutcome(res, 400, 'invalid');
      expect(await countRows('Patient')).toEqual(before);
      const stored = await s.sql.query('SELECT count(*)::int AS n FROM resource WHERE id = $1', [id]);
      expect(stored.rows[0].n).toBe(0);
    });

    it('an unknown resource type is 404', async () => {
      expectOutcome(await s.api.get('/fhir/Foo/1'), 404, 'not-found');
      const before = await countRows('Foo');
      expectOutcome(await post('/fhir/Foo', { resourceType: 'Foo' }), 404, 'not-found');
      expect(await countRows('Foo')).toEqual(before);
    });

    it('broken percent-encoding in the path is 400', async () => {
      expectOutcome(await rawRequest(s.url, '/fhir/Patient/%E0%A4%A'), 400, 'invalid');
      expectOutcome(await rawRequest(s.url, '/fhir/Patient/%ZZ'), 400, 'invalid');
    });

    it('broken percent-encoding in the query is 400', async () => {
      expectOutcome(await rawRequest(s.url, '/fhir/Patient?name=%E0%A4%A'), 400, 'invalid');
      expectOutcome(await rawRequest(s.url, '/fhir/Patient?family=%ZZ'), 400, 'invalid');
    });

    it('a URL longer than 16 KB is 414', async () => {
      const res = await rawRequest(s.url, `/fhir/Patient?name=${'a'.repeat(17 * 1024)}`);
      expectOutcome(res, 414, 'too-costly');
      expect(res.text).not.toContain('a'.repeat(100));
    });

    it('70 KB of headers is 431 with an OperationOutcome body', async () => {
      const headers = Array.from({ length: 70 }, (_, i) => `X-Filler-${i}: ${'h'.repeat(1000)}\r\n`).join('');
      const payload = `GET /fhir/metadata HTTP/1.1\r\nHost: localhost\r\n${headers}\r\n`;
      expect(Buffer.byteLength(payload)).toBeGreaterThan(70 * 1000);
      const res = await rawSocket(s.url, payload);
      expect(res.status).toBe(431);
      expect(res.headers['content-type']).toBe(FHIR_JSON_UTF8);
      expectNoStackTrace(res.text);
      const body = JSON.parse(res.text);
      expect(body.resourceType).toBe('OperationOutcome');
      expect(body.issue).toHaveLength(1);
      expect(body.issue[0]).toMatchObject({ severity: 'error', code: 'too-costly' });
    });

    it('a path outside /fhir is 404', async () => {
      expectOutcome(await s.api.get('/nope'), 404, 'not-found');
      expectOutcome(await s.api.post('/nope').set('Content-Type', FHIR).send('{}'), 404, 'not-found');
    });
  });

  describe('validation', () => {
    const cases: { what: string; type: string; body: (marker: string) => Record<string, unknown>; element: RegExp; secret: string }[] = [
      {
        what: 'an unknown element foo',
        type: 'Patient',
        body: (m) => ({ ...patient(m), foo: 'foo-secret-4711' }),
        element: /^Patient\.foo$/,
        secret: 'foo-secret-4711',
      },
      {
        what: 'birthDate 1980-13-45',
        type: 'Patient',
        body: (m) => patient(m, { birthDate: '1980-13-45' }),
        element: /^Patient\.birthDate$/,
        secret: '1980-13-45',
      },
      {
        what: 'gender robot',
        type: 'Patient',
        body: (m) => patient(m, { gender: 'robot' }),
        element: /^Patient\.gender$/,
        secret: 'robot',
      },
      {
        what: 'subject.reference "not a ref" on an Observation',
        type: 'Observation',
        body: (m) => ({
          resourceType: 'Observation',
          status: 'final',
          code: { text: m },
          subject: { reference: 'not a ref' },
        }),
        element: /^Observation\.subject(\.reference)?$/,
        secret: 'not a ref',
      },
    ];

    it.each(cases)('a resource with $what is refused (400/422), names the element, does not echo the value, and is not stored', async (c) => {
      const marker = unique('Invalid');
      const before = await countRows(c.type);
      for (const send of [
        () => post(`/fhir/${c.type}`, c.body(marker)),
        () => {
          const id = unique('inv-');
          return put(`/fhir/${c.type}/${id}`, { ...c.body(marker), id });
        },
      ]) {
        const res = await send();
        expect([400, 422]).toContain(res.status);
        const body = expectOutcome(res, res.status);
        const expressions = body.issue.flatMap((i) => i.expression ?? []);
        expect(expressions.some((x) => c.element.test(x))).toBe(true);
        expect(res.text).not.toContain(c.secret);
        expect(res.text).not.toContain(marker);
      }
      expect(await countRows(c.type)).toEqual(before);
      expect(await rowsMentioning(marker)).toBe(0);
    });

    it('a body whose resourceType differs from the URL is 400 (POST and PUT) and nothing is stored', async () => {
      const marker = unique('Mismatch');
      const before = { p: await countRows('Patient'), o: await countRows('Observation') };
      const obs = { resourceType: 'Observation', status: 'final', code: { text: marker } };
      expectOutcome(await post('/fhir/Patient', obs), 400);
      const id = unique('mm-');
      expectOutcome(await put(`/fhir/Patient/${id}`, { ...obs, id }), 400);
      expect(await countRows('Patient')).toEqual(before.p);
      expect(await countRows('Observation')).toEqual(before.o);
      expect(await rowsMentioning(marker)).toBe(0);
    });

    it('PUT with a body id different from the URL id is 400 and changes nothing', async () => {
      const family = unique('IdMismatch');
      const id = await createPatient(family);
      const other = unique('other-');
      const res = await put(`/fhir/Patient/${id}`, { ...patient(`${family}X`), id: other });
      expectOutcome(res, 400, 'invalid');
      const rows = await s.sql.query('SELECT id, version_id FROM resource WHERE resource_type = $1 AND id = ANY($2)', ['Patient', [id, other]]);
      expect(rows.rows).toEqual([{ id, version_id: 1 }]);
      expect(await rowsMentioning(`${family}X`)).toBe(0);
    });
  });

  describe('PATCH', () => {
    const versionOf = async (id: string) =>
      (await s.sql.query('SELECT version_id, content FROM resource WHERE resource_type = $1 AND id = $2', ['Patient', id])).rows[0];

    it('PATCH with Content-Type application/fhir+json is 415 and changes nothing', async () => {
      const id = await createPatient(unique('Patch'));
      const before = await versionOf(id);
      const res = await s.api
        .patch(`/fhir/Patient/${id}`)
        .set('Content-Type', FHIR)
        .send(JSON.stringify([{ op: 'replace', path: '/gender', value: 'male' }]));
      expectOutcome(res, 415, 'not-supported');
      expect(await versionOf(id)).toEqual(before);
    });

    it.each([
      ['not an array', { op: 'replace', path: '/gender', value: 'male' }],
      ['an unknown op', [{ op: 'frobnicate', path: '/gender', value: 'male' }]],
      ['an op without a path', [{ op: 'replace', value: 'male' }]],
    ])('a malformed JSON Patch document (%s) is 400 and changes nothing', async (_what, doc) => {
      const id = await createPatient(unique('Patch'));
      const before = await versionOf(id);
      const res = await s.api.patch(`/fhir/Patient/${id}`).set('Content-Type', 'application/json-patch+json').send(JSON.stringify(doc));
      expectOutcome(res, 400, 'invalid');
      expect(await versionOf(id)).toEqual(before);
    });

    it('a JSON Patch that is not JSON at all is 400', async () => {
      const id = await createPatient(unique('Patch'));
      const res = await s.api.patch(`/fhir/Patient/${id}`).set('Content-Type', 'application/json-patch+json').send('[{"op":');
      expectOutcome(res, 400, 'invalid');
    });

    it('a JSON Patch whose test op fails is 422 and changes nothing', async () => {
      const id = await createPatient(unique('Patch'));
      const before = await versionOf(id);
      const res = await s.api
        .patch(`/fhir/Patient/${id}`)
        .set('Content-Type', 'application/json-patch+json')
        .send(JSON.stringify([{ op: 'test', path: '/gender', value: 'male' }, { op: 'replace', path: '/gender', value: 'male' }]));
      expectOutcome(res, 422);
      expect(await versionOf(id)).toEqual(before);
      const versions = await s.sql.query('SELECT count(*)::int AS n FROM resource_version WHERE resource_type = $1 AND id = $2', ['Patient', id]);
      expect(versions.rows[0].n).toBe(1);
    });
  });

  describe('X-Request-Id', () => {
    it('echoes a sane X-Request-Id on success and on error', async () => {
      const rid = `req-${randomUUID()}`;
      const ok = await s.api.get('/fhir/metadata').set('X-Request-Id', rid);
      expect(ok.status).toBe(200);
      expect(ok.headers['x-request-id']).toBe(rid);
      const notFound = await s.api.get('/fhir/Patient/does-not-exist').set('X-Request-Id', rid);
      expectOutcome(notFound, 404, 'not-found');
      expect(notFound.headers['x-request-id']).toBe(rid);
      const nope = await s.api.get('/nope').set('X-Request-Id', rid);
      expectOutcome(nope, 404);
      expect(nope.headers['x-request-id']).toBe(rid);
    });

    it.each([
      ['300 characters', 'r'.repeat(300)],
      ['spaces', 'has some spaces'],
      ['angle brackets', '<script>alert(1)</script>'],
    ])('replaces an X-Request-Id with %s by a fresh one', async (_what, bad) => {
      const res = await s.api.get('/fhir/metadata').set('X-Request-Id', bad);
      expect(res.status).toBe(200);
      const got = res.headers['x-request-id'];
      expect(typeof got).toBe('string');
      expect(got).not.toBe(bad);
      expect(got).not.toContain(' ');
      expect(got.length).toBeGreaterThan(7);
      expect(got.length).toBeLessThanOrEqual(128);
      expect(got).toMatch(/^[A-Za-z0-9\-_.:]+$/);
    });

    it('gives every response an X-Request-Id when the caller sent none, different per request', async () => {
      const a = await s.api.get('/fhir/metadata');
      const b = await s.api.get('/fhir/Patient/does-not-exist');
      expect(a.headers['x-request-id']).toMatch(/^[A-Za-z0-9\-_.:]{8,128}$/);
      expect(b.headers['x-request-id']).toMatch(/^[A-Za-z0-9\-_.:]{8,128}$/);
      expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    });
  });

  describe('transactions', () => {
    it('a transaction with one invalid entry is refused naming Bundle.entry[3], and none of the valid entries is stored', async () => {
      const family = unique('Atomic');
      const before = { p: await countRows('Patient'), o: await countRows('Observation') };
      const patients = [0, 1, 2].map((i) => ({
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: patient(family, { name: [{ family, given: [`N${i}`] }] }),
        request: { method: 'POST', url: 'Patient' },
      }));
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          ...patients,
          {
            fullUrl: `urn:uuid:${randomUUID()}`,
            resource: { resourceType: 'Observation', status: 'bogus', code: { text: 'glucose' }, subject: { reference: patients[0].fullUrl } },
            request: { method: 'POST', url: 'Observation' },
          },
        ],
      };
      const res = await post('/fhir', bundle);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect([400, 422]).toContain(res.status);
      const body = expectOutcome(res, res.status);
      const named = body.issue.some(
        (i) => (i.expression ?? []).some((x) => x.startsWith('Bundle.entry[3]')) || (i.diagnostics ?? '').includes('Bundle.entry[3]'),
      );
      expect(named).toBe(true);
      expect(body.issue.some((i) => (i.expression ?? []).some((x) => /^Bundle\.entry\[[012]\]/.test(x)))).toBe(false);
      expect(res.text).not.toContain('bogus');
      expect(res.text).not.toContain(family);
      expect(await rowsMentioning(family)).toBe(0);
      expect(await countRows('Patient')).toEqual(before.p);
      expect(await countRows('Observation')).toEqual(before.o);
    });
  });

  describe('values PostgreSQL cannot hold', () => {
    it.each([['_id', '_id=a%00b'], ['name (string)', 'name=a%00b'], ['identifier (token)', 'identifier=a%00b'], ['general-practitioner (reference)', 'general-practitioner=Practitioner/a%00b']])(
      'a NUL character in a %s search value is 400 or an empty searchset, never 500',
      async (_what, query) => {
        const res = await s.api.get(`/fhir/Patient?${query}`);
        expect([200, 400]).toContain(res.status);
        if (res.status === 400) {
          expectOutcome(res, 400, 'invalid');
        } else {
          const body = JSON.parse(res.text);
          expect(body.resourceType).toBe('Bundle');
          expect(body.type).toBe('searchset');
          expect(body.entry ?? []).toEqual([]);
        }
      },
    );

    it('a NUL character in a resource string is refused (400/422) and nothing is stored', async () => {
      const family = unique('Nul');
      const before = await countRows('Patient');
      const res = await post('/fhir/Patient', `{"resourceType":"Patient","name":[{"family":"${family}\\u0000b"}]}`);
      expect([400, 422]).toContain(res.status);
      expectOutcome(res, res.status);
      expect(res.text).not.toContain(family);
      expect(await countRows('Patient')).toEqual(before);
    });
  });

  describe('no stack traces anywhere', () => {
    it('a spread of bad requests answers 4xx OperationOutcomes with no stack frame and no "Error:" text', async () => {
      const id = await createPatient(unique('Stack'));
      const put = (path: string, ifMatch: string) =>
        s.api.put(path).set('Content-Type', FHIR).set('If-Match', ifMatch).send(JSON.stringify({ ...patient('X'), id }));
      const requests: [string, () => Promise<{ status: number; text: string }>][] = [
        ['POST truncated JSON', () => post('/fhir/Patient', '{')],
        ['POST null', () => post('/fhir/Patient', 'null')],
        ['POST birthDate as an object', () => post('/fhir/Patient', '{"resourceType":"Patient","birthDate":{"nested":[1,2,{"x":null}]}}')],
        ['POST name as a string, empty extension', () => post('/fhir/Patient', { resourceType: 'Patient', name: 'not an array', extension: [{}] })],
        ['POST transaction entry with empty request', () => post('/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: {} }] })],
        ['POST transaction with entry a string', () => post('/fhir', { resourceType: 'Bundle', type: 'transaction', entry: 'x' })],
        ['POST searchset Bundle to the base', () => post('/fhir', { resourceType: 'Bundle', type: 'searchset' })],
        ['POST a string with a NUL character', () => post('/fhir/Patient', '{"resourceType":"Patient","name":[{"family":"a\\u0000b"}]}')],
        ['GET vread abc', () => s.api.get(`/fhir/Patient/${id}/_history/abc`)],
        ['GET vread 99999999999999', () => s.api.get(`/fhir/Patient/${id}/_history/99999999999999`)],
        ['GET search _count=abc', () => s.api.get('/fhir/Patient?_count=abc')],
        ['GET history _since=yesterday', () => s.api.get('/fhir/Patient/_history?_since=yesterday')],
        ['PUT If-Match garbage', () => put(`/fhir/Patient/${id}`, 'garbage')],
        ['PUT If-Match W/"999"', () => put(`/fhir/Patient/${id}`, 'W/"999"')],
        ['DELETE on a type', () => s.api.delete('/fhir/Patient')],
        ['PATCH move from a missing path', () => s.api.patch(`/fhir/Patient/${id}`).set('Content-Type', 'application/json-patch+json').send('[{"op":"move","from":"/nope","path":"/gender"}]')],
        ['POST unknown operation', () => s.api.post('/fhir/Patient/$nope').set('Content-Type', FHIR).send('{}')],
        ['GET too many path segments', () => s.api.get('/fhir/Patient/x/y/z/w/v')],
      ];
      const wrong: string[] = [];
      for (const [what, send] of requests) {
        const res = await send();
        const stack = /\bat [^\s"]+ \(|\bat (?:file:|node:|\/)|\n\s+at |Error:|\.ts:|node_modules/.test(res.text);
        let isOutcome = false;
        try {
          isOutcome = JSON.parse(res.text).resourceType === 'OperationOutcome';
        } catch {
          isOutcome = false;
        }
        if (res.status < 400 || res.status >= 500 || stack || !isOutcome) wrong.push(`${what}: ${res.status} ${res.text.slice(0, 300)}`);
      }
      expect(wrong).toEqual([]);
    });
  });
});

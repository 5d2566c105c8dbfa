import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client as PgClient } from 'pg';
import { FhirRouter } from '../../src/fhir/fhir-router';
import { WRITABLE_TYPES } from '../../src/fhir/search/registry/supported-types';
import { seedDemoCityIfEmpty } from '../../src/operations/seed-demo-city';
import { ScratchDatabase, scratchDatabase } from '../support/scratch-database';
import { startTestServer, TestServer } from '../support/test-app';
import { adminAuth, tokenFor } from '../support/tokens';

type Kit = typeof import('fhir-kit-client', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type R = any;

interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count: number }[];
  error: unknown[];
}

const CLINICAL = WRITABLE_TYPES.filter((t) => t !== 'AuditEvent');

/**
 * Bulk Data Access IG v2 `$export` on the demo city, end to end: kick-off, status, every file read
 * and compared with the database, access rules of the role, cancel, ownership, and a job that
 * outlives the server that took it.
 */
describe('Bulk $export', () => {
  let s: TestServer;
  let kit: Kit;
  let scratch: ScratchDatabase;
  let databaseUrl: string;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-bulk-'));
  const start = () => startTestServer({ DATABASE_URL: databaseUrl, MIGRATIONS_RUN: 'true', DATA_DIR: dataDir });

  beforeAll(async () => {
    scratch = await scratchDatabase('bulk');
    databaseUrl = scratch.url;
    s = await start();
    await seedDemoCityIfEmpty(s.app.db.database, s.app.app.get(FhirRouter), s.base, { info: () => undefined });
    kit = await import('fhir-kit-client');
  });
  afterAll(async () => {
    await s.close();
    await scratch.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const bearer = async (roles: string[], fhirUser?: string, sub?: string) => `Bearer ${await tokenFor({ roles, fhirUser, sub })}`;

  async function kickOff(pathAndQuery: string, auth?: string): Promise<string> {
    const agent = auth ? s.as(auth) : s.api;
    const res = await agent.get(`/fhir/${pathAndQuery}`).set('Accept', 'application/fhir+json').set('Prefer', 'respond-async');
    expect(res.status).toBe(202);
    const loc = res.headers['content-location'];
    expect(loc).toMatch(new RegExp(`^${s.base.replace(/[.$]/g, '\\$&')}/bulkstatus/[0-9a-f-]{36}$`));
    return loc;
  }

  async function waitFor(statusUrl: string, auth?: string): Promise<Manifest> {
    const agent = auth ? s.as(auth) : s.api;
    for (let i = 0; i < 300; i++) {
      const res = await agent.get(statusUrl.replace(s.url, ''));
      if (res.status === 200) {
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        return res.body as Manifest;
      }
      expect(res.status).toBe(202);
      expect(res.headers['x-progress']).toBeTruthy();
      expect(res.headers['retry-after']).toBe('2');
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('export did not complete');
  }

  /** Every file of the manifest, parsed line by line: type -> ids (sorted). */
  async function readAll(m: Manifest, auth?: string): Promise<Map<string, string[]>> {
    const agent = auth ? s.as(auth) : s.api;
    const out = new Map<string, string[]>();
    for (const o of m.output) {
      const res = await agent.get(o.url.replace(s.url, '')).buffer(true).parse((r, cb) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (text += c));
        r.on('end', () => cb(null, text));
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/fhir+ndjson');
      const lines = (res.body as string).split('\n');
      expect(lines.pop()).toBe('');
      const resources = lines.map((l) => JSON.parse(l));
      for (const r of resources) expect(r.resourceType).toBe(o.type);
      expect(resources).toHaveLength(o.count);
      out.set(o.type, resources.map((r) => r.id as string).sort());
    }
    return out;
  }

  async function dbIds(where: string, values: unknown[] = []): Promise<Map<string, string[]>> {
    const r = await s.sql.query<{ resource_type: string; id: string }>(
      `SELECT r.resource_type, r.id FROM resource r WHERE NOT r.deleted AND r.resource_type = ANY($1::text[]) AND ${where} ORDER BY r.id`,
      [CLINICAL, ...values],
    );
    const out = new Map<string, string[]>();
    for (const row of r.rows) out.set(row.resource_type, [...(out.get(row.resource_type) ?? []), row.id]);
    for (const v of out.values()) v.sort();
    return out;
  }

  it('kick-off: 400 without Prefer: respond-async, for an unknown _type, _outputFormat or _typeFilter parameter', async () => {
    const noPrefer = await s.api.get('/fhir/$export').set('Accept', 'application/fhir+json');
    expect(noPrefer.status).toBe(400);
    expect(noPrefer.body.resourceType).toBe('OperationOutcome');
    for (const q of ['_type=Nonsense', '_outputFormat=text/csv', '_typeFilter=Observation%3Fnonsense-param%3D1', '_since=yesterday', 'unknownParam=1']) {
      const res = await s.api.get(`/fhir/$export?${q}`).set('Prefer', 'respond-async');
      expect([q, res.status]).toEqual([q, 400]);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
  });

  it('system export as admin (fhir-kit-client kick-off): every file, read whole, holds exactly the database rows per type', async () => {
    const client = new kit.Client({ baseUrl: s.base, customHeaders: { Authorization: await adminAuth(), Prefer: 'respond-async' } });
    const started: R = await client.request('$export?_outputFormat=application/fhir%2Bndjson');
    const response = kit.Client.httpFor(started).response as Response;
    expect(response.status).toBe(202);
    const statusUrl = response.headers.get('content-location')!;
    const m = await waitFor(statusUrl);
    expect(m.requiresAccessToken).toBe(true);
    expect(m.error).toEqual([]);
    expect(m.request).toBe(`${s.base}/$export?_outputFormat=application/fhir%2Bndjson`);
    expect(Number.isNaN(Date.parse(m.transactionTime))).toBe(false);
    const files = await readAll(m);
    const expected = await dbIds('true');
    expect(expected.get('Patient')!.length).toBeGreaterThan(2);
    expect([...files.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [type, ids] of expected) expect([type, files.get(type)]).toEqual([type, ids]);
    // The kick-off and each download were audited.
    const id = statusUrl.split('/').pop()!;
    const queries = (await s.sql.query<{ content: string }>(`SELECT content FROM audit_event WHERE content LIKE '%"query"%'`)).rows.flatMap((r) =>
      (JSON.parse(r.content).entity ?? []).filter((e: R) => e.query).map((e: R) => Buffer.from(e.query, 'base64').toString('utf8')),
    );
    expect(queries.filter((q) => q === '_outputFormat=application/fhir%2Bndjson')).toHaveLength(1);
    expect(queries.filter((q) => q.startsWith(`bulkfiles/${id}/`)).sort()).toEqual(m.output.map((o) => `bulkfiles/${id}/${o.type}.ndjson`).sort());
  });

  it('Patient/$export as clinician pract-1: all of pat-1\'s compartment, nothing of pat-2\'s', async () => {
    const auth = await bearer(['clinician'], 'Practitioner/pract-1');
    const m = await waitFor(await kickOff('Patient/$export', auth), auth);
    const files = await readAll(m, auth);
    const all = new Set([...files].flatMap(([t, ids]) => ids.map((id) => `${t}/${id}`)));
    expect(files.get('Patient')).toContain('pat-1');
    expect(files.get('Patient')).not.toContain('pat-2');
    const comp = async (p: string) =>
      (await s.sql.query<{ k: string }>(`SELECT r.resource_type || '/' || r.id AS k FROM resource r JOIN resource_compartment c ON c.rid = r.rid WHERE c.patient_id = $1 AND NOT r.deleted`, [p])).rows.map((x) => x.k);
    const pat1 = await comp('pat-1');
    const pat2 = await comp('pat-2');
    expect(pat1.length).toBeGreaterThan(1);
    for (const k of pat1) expect(all.has(k)).toBe(true);
    for (const k of pat2) expect([k, all.has(k)]).toEqual([k, false]);
    // Only compartment resources at patient level: no directory types.
    expect(files.has('Practitioner')).toBe(false);
    const btg = await s.as(auth).get('/fhir/Patient/$export').set('Prefer', 'respond-async').set('X-Break-Glass', 'emergency');
    expect(btg.status).toBe(403);
  });

  it('Patient/$export as patient pat-1: only their own compartment', async () => {
    const auth = await bearer(['patient'], 'Patient/pat-1');
    const files = await readAll(await waitFor(await kickOff('Patient/$export', auth), auth), auth);
    const expected = await dbIds(`EXISTS (SELECT 1 FROM resource_compartment c WHERE c.rid = r.rid AND c.patient_id = 'pat-1')`);
    expect(files).toEqual(expected);
  });

  it('Group/{id}/$export: the compartments of the Group\'s members only', async () => {
    const g = await s.api.post('/fhir/Group').set('Content-Type', 'application/fhir+json').send({ resourceType: 'Group', type: 'person', actual: true, member: [{ entity: { reference: 'Patient/pat-2' } }] });
    expect(g.status).toBe(201);
    const m = await waitFor(await kickOff(`Group/${g.body.id}/$export`));
    const files = await readAll(m);
    const expected = await dbIds(`EXISTS (SELECT 1 FROM resource_compartment c WHERE c.rid = r.rid AND c.patient_id = 'pat-2')`);
    expect(files).toEqual(expected);
    const missing = await s.api.get('/fhir/Group/no-such-group/$export').set('Prefer', 'respond-async');
    expect(missing.status).toBe(404);
  });

  it('_type, _since and _typeFilter narrow the files', async () => {
    const byType = await waitFor(await kickOff('$export?_type=Patient,Organization'));
    expect(byType.output.map((o) => o.type).sort()).toEqual(['Organization', 'Patient']);
    const files = await readAll(byType);
    expect(files.get('Patient')).toEqual((await dbIds(`r.resource_type = 'Patient'`)).get('Patient'));

    const since = (await s.sql.query<{ t: string }>(`SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS t`)).rows[0].t;
    await new Promise((r) => setTimeout(r, 20));
    const obs = await s.api.post('/fhir/Observation').set('Content-Type', 'application/fhir+json').send({
      resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, subject: { reference: 'Patient/pat-1' }, valueQuantity: { value: 70, unit: '/min' },
    });
    expect(obs.status).toBe(201);
    const recent = await readAll(await waitFor(await kickOff(`$export?_type=Observation,Patient&_since=${encodeURIComponent(since)}`)));
    expect([...recent]).toEqual([['Observation', [obs.body.id]]]);

    const code = (await s.sql.query<{ code: string }>(`SELECT code FROM sp_token WHERE resource_type = 'Observation' AND param = 'code' AND code IS NOT NULL GROUP BY code ORDER BY count(*) DESC LIMIT 1`)).rows[0].code;
    const filtered = await readAll(await waitFor(await kickOff(`$export?_type=Observation,Patient&_typeFilter=${encodeURIComponent(`Observation?code=${code}`)}`)));
    const expectObs = await dbIds(`r.resource_type = 'Observation' AND EXISTS (SELECT 1 FROM sp_token t WHERE t.rid = r.rid AND t.param = 'code' AND t.code = $2)`, [code]);
    expect(filtered.get('Observation')).toEqual(expectObs.get('Observation'));
    expect(filtered.get('Observation')!.length).toBeLessThan((await dbIds(`r.resource_type = 'Observation'`)).get('Observation')!.length);
    expect(filtered.get('Patient')).toEqual((await dbIds(`r.resource_type = 'Patient'`)).get('Patient'));
  });

  it('auditor: _type=AuditEvent gives what /audit/export gives; clinical types are 403', async () => {
    const auth = await bearer(['auditor'], undefined, 'auditor-1');
    const clinical = await s.as(auth).get('/fhir/$export?_type=Patient').set('Prefer', 'respond-async');
    expect(clinical.status).toBe(403);
    const mixed = await s.as(auth).get('/fhir/$export?_type=AuditEvent,Observation').set('Prefer', 'respond-async');
    expect(mixed.status).toBe(403);
    const clin = await bearer(['clinician'], 'Practitioner/pract-1');
    expect((await s.as(clin).get('/fhir/$export?_type=AuditEvent').set('Prefer', 'respond-async')).status).toBe(403);

    const m = await waitFor(await kickOff('$export?_type=AuditEvent', auth), auth);
    expect(m.output.map((o) => o.type)).toEqual(['AuditEvent']);
    const file = await s.as(auth).get(m.output[0].url.replace(s.url, '')).buffer(true).parse((r, cb) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (text += c));
      r.on('end', () => cb(null, text));
    });
    const direct = await s.as(auth).get(`/audit/export?format=ndjson&until=${encodeURIComponent(m.transactionTime)}`).buffer(true).parse((r, cb) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (text += c));
      r.on('end', () => cb(null, text));
    });
    expect(direct.status).toBe(200);
    expect(file.body).toBe(direct.body);
    expect((file.body as string).split('\n').length - 1).toBe(m.output[0].count);
  });

  it('another principal gets 404 on the status and the files; DELETE cancels and removes the files', async () => {
    const statusUrl = await kickOff('$export?_type=Patient');
    const m = await waitFor(statusUrl);
    const id = statusUrl.split('/').pop()!;
    const dir = path.join(dataDir, 'exports', id);
    expect(fs.readdirSync(dir)).toEqual(['Patient.ndjson']);

    const other = await bearer(['admin'], undefined, 'another-admin');
    expect((await s.as(other).get(statusUrl.replace(s.url, ''))).status).toBe(404);
    expect((await s.as(other).get(m.output[0].url.replace(s.url, ''))).status).toBe(404);
    expect((await s.as(other).delete(statusUrl.replace(s.url, ''))).status).toBe(404);
    expect((await s.api.get(`/fhir/bulkstatus/${randomUUID()}`)).status).toBe(404);
    expect((await s.api.get(`/fhir/bulkfiles/${id}/Observation.ndjson`)).status).toBe(404);
    expect((await s.api.get(`/fhir/bulkfiles/${id}/..%2F..%2Fkeys`)).status).toBe(404);
    expect((await s.as('Bearer nope').get(statusUrl.replace(s.url, ''))).status).toBe(401);

    const del = await s.api.delete(statusUrl.replace(s.url, ''));
    expect(del.status).toBe(202);
    expect(fs.existsSync(dir)).toBe(false);
    expect((await s.api.get(statusUrl.replace(s.url, ''))).status).toBe(404);
    expect((await s.api.get(m.output[0].url.replace(s.url, ''))).status).toBe(404);
  });

  it('jobs live in PostgreSQL: a job queued, and one left in progress by a dead worker, complete on a new server', async () => {
    const template = await s.sql.query<{ plan: unknown }>(`SELECT plan FROM bulk_export_job WHERE status = 'completed' AND principal_sub = 'test-admin' AND request LIKE '%_type=Patient,Organization'`);
    expect(template.rows).toHaveLength(1);
    await s.close();
    const pg = new PgClient({ connectionString: databaseUrl });
    await pg.connect();
    const queued = randomUUID();
    const orphan = randomUUID();
    await pg.query(`INSERT INTO bulk_export_job (id, status, principal_sub, request, plan) VALUES ($1, 'queued', 'test-admin', 'x', $2)`, [queued, template.rows[0].plan]);
    await pg.query(
      `INSERT INTO bulk_export_job (id, status, principal_sub, request, plan, worker, heartbeat) VALUES ($1, 'in-progress', 'test-admin', 'x', $2, 'dead', now() - interval '10 minutes')`,
      [orphan, template.rows[0].plan],
    );
    const broken = randomUUID();
    await pg.query(`INSERT INTO bulk_export_job (id, status, principal_sub, request, plan) VALUES ($1, 'queued', 'test-admin', 'x', $2)`, [
      broken,
      JSON.stringify({ types: [{ type: 'Patient', text: 'r.no_such_column', values: [] }] }),
    ]);
    await pg.end();
    s = await start();
    const patients = (await dbIds(`r.resource_type = 'Patient'`)).get('Patient');
    for (const id of [queued, orphan]) {
      const m = await waitFor(`${s.base}/bulkstatus/${id}`);
      expect((await readAll(m)).get('Patient')).toEqual(patients);
    }
    // A job that fails answers 500 with an OperationOutcome, and leaves no files behind.
    for (let i = 0; i < 100; i++) {
      const res = await s.api.get(`/fhir/bulkstatus/${broken}`);
      if (res.status !== 202) {
        expect(res.status).toBe(500);
        expect(res.body.resourceType).toBe('OperationOutcome');
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(fs.existsSync(path.join(dataDir, 'exports', broken))).toBe(false);
  });
});

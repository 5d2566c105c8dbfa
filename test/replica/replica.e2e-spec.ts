import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Pool } from 'pg';
import { Database, guardPoolClients } from '../../src/database/database';
import { startTestServer, TestServer } from '../support/test-app';
import { tokenFor } from '../support/tokens';
import { findPgBin, PgPair, startPrimaryAndReplica } from './pg-cluster';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * DATABASE_READ_URLS for real: a streaming replica made with pg_basebackup. Replay on the replica
 * is paused to make lag visible: a caller who did not write is served by the (stale) replica,
 * while the writer reads its own write (read-your-writes).
 */
describe('read replicas', () => {
  let pair: PgPair;
  let s: TestServer;
  let replica: Client;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-replica-export-'));
  const start = (env: Record<string, string> = {}) =>
    startTestServer({ DATABASE_URL: pair.primaryUrl, DATABASE_READ_URLS: pair.replicaUrl, MIGRATIONS_RUN: 'true', DATA_DIR: dataDir, ...env });

  beforeAll(async () => {
    const bin = findPgBin();
    if (!bin) throw new Error('PostgreSQL server binaries (pg_basebackup) are needed: apt-get install postgresql');
    pair = await startPrimaryAndReplica(bin);
    process.env.KT_TEST_DATABASE_URL = pair.primaryUrl;
    s = await start();
    replica = new Client({ connectionString: pair.replicaUrl });
    await replica.connect();
  }, 120_000);
  afterAll(async () => {
    await replica?.end();
    await s?.close();
    await pair?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const versionsSeenBy = async (auth: string, id: string) => {
    const res = await s.as(auth).get(`/fhir/Practitioner/${id}/_history`);
    expect(res.status).toBe(200);
    return (JSON.parse(res.text).entry ?? []).map((e: { response: { etag: string } }) => e.response.etag).sort();
  };

  it('serves lag-tolerant reads from the replica, and a writer always sees its own write', async () => {
    const writer = `Bearer ${await tokenFor({ roles: ['admin'], sub: 'writer-a' })}`;
    const reader = `Bearer ${await tokenFor({ roles: ['admin'], sub: 'reader-b' })}`;
    const created = await s.as(writer).post('/fhir/Practitioner').set('Content-Type', 'application/fhir+json').send('{"resourceType":"Practitioner","name":[{"family":"Репликов"}]}');
    expect(created.status).toBe(201);
    const id = JSON.parse(created.text).id;
    // Wait for the replica to have version 1, then freeze its replay.
    for (let i = 0; i < 100; i++) {
      const r = await replica.query(`SELECT 1 FROM resource WHERE resource_type = 'Practitioner' AND id = $1`, [id]);
      if (r.rowCount) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    await replica.query('SELECT pg_wal_replay_pause()');
    try {
      await new Promise((res) => setTimeout(res, 300)); // the server's replay poll sees the pause
      const updated = await s.as(writer).put(`/fhir/Practitioner/${id}`).set('Content-Type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Practitioner', id, name: [{ family: 'Репликова' }] }));
      expect(updated.status).toBe(200);
      // The reader's history comes from the frozen replica: only version 1 exists there.
      expect(await versionsSeenBy(reader, id)).toEqual(['W/"1"']);
      // The writer's history goes to the primary: its own write is there.
      expect(await versionsSeenBy(writer, id)).toEqual(['W/"1"', 'W/"2"']);
      // A read by id is never served stale.
      expect(JSON.parse((await s.as(reader).get(`/fhir/Practitioner/${id}`)).text).meta.versionId).toBe('2');
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
    }
    let seen: string[] = [];
    for (let i = 0; i < 50 && seen.length < 2; i++) {
      seen = await versionsSeenBy(reader, id);
      if (seen.length < 2) await new Promise((res) => setTimeout(res, 100));
    }
    expect(seen).toEqual(['W/"1"', 'W/"2"']);
  });

  it('search and $everything read the replica too, and the writer always sees its own write there', async () => {
    const writer = `Bearer ${await tokenFor({ roles: ['admin'], sub: 'writer-s' })}`;
    const reader = `Bearer ${await tokenFor({ roles: ['admin'], sub: 'reader-s' })}`;
    const post = async (body: object) => {
      const res = await s.as(writer).post(`/fhir/${(body as { resourceType: string }).resourceType}`).set('Content-Type', 'application/fhir+json').send(JSON.stringify(body));
      expect(res.status).toBe(201);
      return JSON.parse(res.text).id as string;
    };
    const patient = await post({ resourceType: 'Patient', name: [{ family: 'Реплика' }] });
    const observation = (code: string) => ({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code }] },
      subject: { reference: `Patient/${patient}` },
    });
    const first = await post(observation('8867-4'));
    for (let i = 0; i < 100; i++) {
      const r = await replica.query(`SELECT 1 FROM resource WHERE resource_type = 'Observation' AND id = $1`, [first]);
      if (r.rowCount) break;
      await sleep(100);
    }
    await pauseReplay();
    try {
      const second = await post(observation('8310-5'));
      const searched = async (auth: string, query: string) =>
        (JSON.parse((await s.as(auth).get(`/fhir/Observation?${query}`)).text).entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort();
      const everything = async (auth: string) => {
        const res = await s.as(auth).get(`/fhir/Patient/${patient}/$everything`);
        expect(res.status).toBe(200);
        return JSON.parse(res.text).entry.map((e: { resource: { id: string } }) => e.resource.id).sort();
      };
      // The reader is served by the frozen replica: the second Observation is not there yet.
      expect(await searched(reader, `patient=${patient}`)).toEqual([first]);
      expect(await searched(reader, `code=http://loinc.org|8310-5&subject=Patient/${patient}`)).toEqual([]);
      expect(await everything(reader)).toEqual([first, patient].sort());
      // The writer's own write is always there (its reads go to the primary while the replica lags).
      expect(await searched(writer, `patient=${patient}`)).toEqual([first, second].sort());
      expect(await everything(writer)).toEqual([first, second, patient].sort());
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
    }
  });

  /** Pauses WAL replay on the replica and waits until it has really stopped. */
  const pauseReplay = async () => {
    await replica.query('SELECT pg_wal_replay_pause()');
    for (let i = 0; i < 100; i++) {
      if ((await replica.query<{ s: string }>('SELECT pg_get_wal_replay_pause_state() AS s')).rows[0].s === 'paused') break;
      await sleep(50);
    }
    await sleep(300); // the server's replay poll sees the pause
  };

  const createPractitioner = async (family: string) => {
    const res = await s.api.post('/fhir/Practitioner').set('Content-Type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Practitioner', name: [{ family }] }));
    expect(res.status).toBe(201);
    return JSON.parse(res.text).id as string;
  };

  const kickOff = async (query: string) => {
    const res = await s.api.get(`/fhir/$export?${query}`).set('Accept', 'application/fhir+json').set('Prefer', 'respond-async');
    expect(res.status).toBe(202);
    return (res.headers['content-location'] as string).replace(s.url, '');
  };

  const manifestOf = async (status: string) => {
    for (let i = 0; i < 300; i++) {
      const res = await s.api.get(status);
      if (res.status === 200) return res.body as { output: { type: string; url: string; count: number }[]; error: unknown[] };
      expect(res.status).toBe(202);
      await sleep(100);
    }
    throw new Error('export did not complete');
  };

  const exportedIds = async (m: { output: { type: string; url: string }[] }, type: string) => {
    const o = m.output.find((x) => x.type === type);
    if (!o) return [];
    const res = await s.api.get(o.url.replace(s.url, '')).buffer(true).parse((r, cb) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (text += c));
      r.on('end', () => cb(null, text));
    });
    expect(res.status).toBe(200);
    return (res.body as string).split('\n').filter(Boolean).map((l) => JSON.parse(l).id as string);
  };

  /** kartoteka_export_types_total by source, as /metrics shows it. */
  const typesBySource = async () => {
    const text = (await s.api.get('/metrics')).text;
    const n = (source: string) => Number(new RegExp(`^kartoteka_export_types_total\\{source="${source}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    return { replica: n('replica'), primary: n('primary'), primary_fallback: n('primary_fallback') };
  };

  it('bulk $export waits until the replica has replayed the job start, then reads it and misses no write', async () => {
    const before = await typesBySource();
    let status: string;
    let id: string;
    await pauseReplay();
    try {
      id = await createPractitioner('Экспортова');
      status = await kickOff('_type=Practitioner');
      // The job's read_lsn is past what the paused replica has replayed: the worker waits, beating.
      await sleep(2600);
      const waiting = await s.api.get(status);
      expect(waiting.status).toBe(202);
      expect(waiting.headers['x-progress']).toBe('waiting for a replica');
      const job = await s.sql.query<{ read_lsn: string }>('SELECT read_lsn::text AS read_lsn FROM bulk_export_job WHERE id = $1', [status.split('/').pop()]);
      expect(job.rows[0].read_lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      const behind = await replica.query<{ behind: boolean }>('SELECT pg_last_wal_replay_lsn() < $1::pg_lsn AS behind', [job.rows[0].read_lsn]);
      expect(behind.rows[0].behind).toBe(true);
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
    }
    const m = await manifestOf(status);
    expect(m.error).toEqual([]);
    expect(await exportedIds(m, 'Practitioner')).toContain(id);
    const after = await typesBySource();
    expect(after).toEqual({ ...before, replica: before.replica + 1 });
  });

  it('bulk $export reads the primary when no replica catches up within EXPORT_REPLICA_WAIT_MS', async () => {
    // Any instance's worker may claim a job: the instance with the short wait must be the only one.
    await s.close();
    s = await start({ EXPORT_REPLICA_WAIT_MS: '500' });
    await pauseReplay();
    try {
      const id = await createPractitioner('Первичнова');
      const m = await manifestOf(await kickOff('_type=Practitioner'));
      expect(m.error).toEqual([]);
      expect(await exportedIds(m, 'Practitioner')).toContain(id);
      // Still paused: the file cannot have come from the replica.
      expect((await replica.query<{ s: string }>('SELECT pg_get_wal_replay_pause_state() AS s')).rows[0].s).toBe('paused');
      expect(await typesBySource()).toEqual({ replica: 0, primary: 1, primary_fallback: 0 });
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
    }
  });

  it('a replica read cancelled by a genuine conflict with recovery (40001) is answered by the primary', async () => {
    const primaryPool = new Pool({ connectionString: pair.primaryUrl, max: 2 });
    const replicaPool = new Pool({ connectionString: pair.replicaUrl, max: 2 });
    guardPoolClients(primaryPool, () => undefined);
    guardPoolClients(replicaPool, () => undefined);
    const db = new Database(primaryPool, [replicaPool]);
    try {
      await primaryPool.query('DROP TABLE IF EXISTS kt_conflict; CREATE TABLE kt_conflict (n int); INSERT INTO kt_conflict VALUES (1)');
      for (let i = 0; i < 100; i++) {
        const r = await replica.query(`SELECT 1 FROM pg_class WHERE relname = 'kt_conflict'`);
        if (r.rowCount) break;
        await sleep(100);
      }
      await sleep(300); // the replica is healthy and caught up in db's replay poll
      const conflicts = async () => Number((await replica.query<{ n: string }>(`SELECT confl_lock::text AS n FROM pg_stat_database_conflicts WHERE datname = current_database()`)).rows[0].n);
      const before = await conflicts();
      // A read that holds its lock on kt_conflict for 4 s on the replica...
      const read = db.reader().query<{ n: number; standby: boolean }>('SELECT n, pg_is_in_recovery() AS standby FROM kt_conflict, pg_sleep(4)');
      for (let i = 0; i < 100; i++) {
        const r = await replica.query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(4)%' AND pid <> pg_backend_pid() AND state = 'active'`);
        if (r.rowCount) break;
        await sleep(50);
      }
      // ...while the primary takes an ACCESS EXCLUSIVE lock, which the replica replays after at most
      // max_standby_streaming_delay (1 s here) by cancelling the read: SQLSTATE 40001.
      await primaryPool.query('BEGIN; LOCK TABLE kt_conflict IN ACCESS EXCLUSIVE MODE; COMMIT');
      const r = await read;
      expect(r.rows).toEqual([{ n: 1, standby: false }]);
      expect(await conflicts()).toBe(before + 1);
    } finally {
      await primaryPool.query('DROP TABLE IF EXISTS kt_conflict').catch(() => undefined);
      await db.close();
      await primaryPool.end();
    }
  }, 30_000);
});

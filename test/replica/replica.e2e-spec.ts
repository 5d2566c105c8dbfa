import { Client } from 'pg';
import { startTestServer, TestServer } from '../support/test-app';
import { tokenFor } from '../support/tokens';
import { findPgBin, PgPair, startPrimaryAndReplica } from './pg-cluster';

/**
 * DATABASE_READ_URLS for real: a streaming replica made with pg_basebackup. Replay on the replica
 * is paused to make lag visible: a caller who did not write is served by the (stale) replica,
 * while the writer reads its own write (read-your-writes).
 */
describe('read replicas', () => {
  let pair: PgPair;
  let s: TestServer;
  let replica: Client;

  beforeAll(async () => {
    const bin = findPgBin();
    if (!bin) throw new Error('PostgreSQL server binaries (pg_basebackup) are needed: apt-get install postgresql');
    pair = await startPrimaryAndReplica(bin);
    process.env.KT_TEST_DATABASE_URL = pair.primaryUrl;
    s = await startTestServer({ DATABASE_URL: pair.primaryUrl, DATABASE_READ_URLS: pair.replicaUrl, MIGRATIONS_RUN: 'true' });
    replica = new Client({ connectionString: pair.replicaUrl });
    await replica.connect();
  }, 120_000);
  afterAll(async () => {
    await replica?.end();
    await s?.close();
    await pair?.stop();
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
});

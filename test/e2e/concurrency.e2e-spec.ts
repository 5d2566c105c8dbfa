import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import request from 'supertest';
import { startTestServer, TestServer } from '../support/test-app';

/**
 * Concurrent writes to one resource (CONTRACT.md, "Versioning"): If-Match is a real compare-and-set,
 * every committed write gets its own version, and the current row always is the newest version.
 */

const FHIR = 'application/fhir+json';

interface VersionRow {
  version_id: number;
  deleted: boolean;
  method: string;
  content: string | null;
}

describe('concurrent writes to one resource', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.close();
  });

  const patient = (id: string, given: string) => ({
    resourceType: 'Patient',
    id,
    name: [{ family: 'Параллельная', given: [given] }],
    gender: 'female',
    birthDate: '1975-05-06',
  });
  const put = (id: string, body: unknown, headers: Record<string, string> = {}) =>
    s.api.put(`/fhir/Patient/${id}`).set({ 'Content-Type': FHIR, ...headers }).send(JSON.stringify(body));
  const del = (id: string) => s.api.delete(`/fhir/Patient/${id}`);

  const current = async (id: string) =>
    (await s.sql.query('SELECT rid::text AS rid, version_id, deleted, content FROM resource WHERE resource_type = $1 AND id = $2', ['Patient', id])).rows;
  const versions = async (id: string): Promise<VersionRow[]> =>
    (
      await s.sql.query(
        'SELECT version_id, deleted, method, content FROM resource_version WHERE resource_type = $1 AND id = $2 ORDER BY version_id',
        ['Patient', id],
      )
    ).rows;
  /** The resource as the client sent it: without the server's meta. */
  const sent = (content: string) => {
    const { meta: _meta, ...rest } = JSON.parse(content);
    return rest;
  };

  const createWithClientId = async (prefix: string): Promise<string> => {
    const id = `${prefix}-${randomUUID()}`;
    const res = await put(id, patient(id, 'v1'));
    expect(res.status).toBe(201);
    return id;
  };

  it('10 parallel PUTs with If-Match: W/"1": exactly one 200, nine 412, version 2, two versions in history', async () => {
    const id = await createWithClientId('cas');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => put(id, patient(id, `writer${i}`), { 'If-Match': 'W/"1"' })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412, 412, 412]);

    const winner = results.find((r) => r.status === 200)!;
    expect(winner.headers.etag).toBe('W/"2"');
    const winnerBody = JSON.parse(winner.text);
    expect(winnerBody.meta.versionId).toBe('2');
    for (const loser of results.filter((r) => r.status === 412)) {
      expect(loser.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
      const oo = JSON.parse(loser.text);
      expect(oo.resourceType).toBe('OperationOutcome');
      expect(oo.issue[0]).toMatchObject({ severity: 'error', code: 'conflict' });
    }

    const rows = await current(id);
    expect(rows).toHaveLength(1);
    expect(rows[0].version_id).toBe(2);
    expect(rows[0].deleted).toBe(false);
    expect(sent(rows[0].content)).toEqual(patient(id, winnerBody.name[0].given[0]));

    const history = await s.api.get(`/fhir/Patient/${id}/_history`);
    expect(history.status).toBe(200);
    const bundle = JSON.parse(history.text);
    expect(bundle.type).toBe('history');
    expect(bundle.entry.map((e: { resource: { meta: { versionId: string } } }) => e.resource.meta.versionId)).toEqual(['2', '1']);
    expect((await versions(id)).map((v) => v.version_id)).toEqual([1, 2]);
  });

  it('10 parallel PUTs without If-Match: all 200, versions 2..11 once each, the current row is the last version', async () => {
    const id = await createWithClientId('race');
    const bodies = Array.from({ length: 10 }, (_, i) => patient(id, `writer${i}`));
    const results = await Promise.all(bodies.map((b) => put(id, b)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const etags = results.map((r) => r.headers.etag).sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]));
    expect(etags).toEqual(Array.from({ length: 10 }, (_, i) => `W/"${i + 2}"`));
    // Each answer is the version it wrote.
    for (const r of results) expect(`W/"${JSON.parse(r.text).meta.versionId}"`).toBe(r.headers.etag);

    const all = await versions(id);
    expect(all.map((v) => v.version_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const written = all.slice(1).map((v) => sent(v.content!).name[0].given[0]).sort();
    expect(written).toEqual(bodies.map((b) => b.name[0].given[0]).sort());

    const rows = await current(id);
    expect(rows).toHaveLength(1);
    expect(rows[0].version_id).toBe(11);
    expect(bodies).toContainEqual(sent(rows[0].content));
    expect(rows[0].content).toBe(all[all.length - 1].content);

    const read = await s.api.get(`/fhir/Patient/${id}`);
    expect(read.status).toBe(200);
    expect(read.headers.etag).toBe('W/"11"');
    expect(read.text).toBe(rows[0].content);
  });

  it('10 parallel create-on-update PUTs to a new client id: one 201, nine 200, one row', async () => {
    const id = `new-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => put(id, patient(id, `creator${i}`))));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const created = results.find((r) => r.status === 201)!;
    expect(created.headers.etag).toBe('W/"1"');
    expect(created.headers.location).toBe(`${s.base}/Patient/${id}/_history/1`);

    const rows = await current(id);
    expect(rows).toHaveLength(1);
    expect(rows[0].version_id).toBe(10);
    const all = await versions(id);
    expect(all.map((v) => v.version_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(rows[0].content).toBe(all[9].content);
    const rids = await s.sql.query('SELECT DISTINCT rid FROM resource_version WHERE resource_type = $1 AND id = $2', ['Patient', id]);
    expect(rids.rows).toHaveLength(1);
    expect(rids.rows[0].rid).toBe(rows[0].rid);
  });

  it('random interleavings of updates and deletes keep versions contiguous and the current row the newest (property)', async () => {
    type Op = { kind: 'put'; tag: number } | { kind: 'delete' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 9999 }).map((tag) => ({ kind: 'put' as const, tag })) },
      { weight: 2, arbitrary: fc.constant({ kind: 'delete' as const }) },
    );
    // A run: rounds of operations; the operations of one round are sent at once, rounds one after another.
    const run = fc.array(fc.array(op, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 });

    await fc.assert(
      fc.asyncProperty(run, async (rounds) => {
        const id = await createWithClientId('prop');
        let puts = 0;
        let deletes = 0;
        const putEtags: string[] = [];
        for (const round of rounds) {
          const results = await Promise.all(
            round.map(async (o) => {
              const res = o.kind === 'put' ? await put(id, patient(id, `t${o.tag}`)) : await del(id);
              return { o, res };
            }),
          );
          for (const { o, res } of results) {
            if (o.kind === 'put') {
              puts++;
              expect([200, 201]).toContain(res.status);
              expect(res.headers.etag).toBe(`W/"${JSON.parse(res.text).meta.versionId}"`);
              putEtags.push(res.headers.etag);
            } else {
              deletes++;
              expect([200, 204]).toContain(res.status);
            }
          }
        }

        const all = await versions(id);
        const rows = await current(id);
        expect(rows).toHaveLength(1);
        const n = all.length;
        // contiguous 1..n
        expect(all.map((v) => v.version_id)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        // every PUT wrote its own version; a DELETE writes one unless the resource was already deleted
        expect(new Set(putEtags).size).toBe(puts);
        expect(n).toBeGreaterThanOrEqual(1 + puts);
        expect(n).toBeLessThanOrEqual(1 + puts + deletes);
        // the current row is the newest version
        const newest = all[n - 1];
        expect(rows[0].version_id).toBe(newest.version_id);
        expect(rows[0].deleted).toBe(newest.deleted);
        if (!newest.deleted) expect(rows[0].content).toBe(newest.content);
        // a deleted version is never followed by another delete (deleting a deleted resource writes nothing)
        for (let i = 1; i < n; i++) expect(all[i].deleted && all[i - 1].deleted).toBe(false);

        const read = await s.api.get(`/fhir/Patient/${id}`);
        expect(read.status).toBe(newest.deleted ? 410 : 200);
        expect(read.headers.etag).toBe(`W/"${newest.version_id}"`);
      }),
      { numRuns: 25 },
    );
  });
});

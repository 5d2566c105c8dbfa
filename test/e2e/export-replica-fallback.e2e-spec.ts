import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'pg';
import { cursorBatches } from '../../src/audit/audit-cursor';
import { Database, guardPoolClients, isReplicaLoss } from '../../src/database/database';
import { writeFromReplicaOrPrimary } from '../../src/bulk-export/replica-fallback';

/**
 * The export's fallback on a real PostgreSQL: the "replica" is a second pool on the test database,
 * named by application_name, whose backend the test terminates in the middle of a cursor (what a
 * replica does to a query that conflicts with recovery, or when it restarts). The type's file must
 * then be written again from the primary, every row exactly once.
 */
describe('writeFromReplicaOrPrimary (a bulk export type read from a replica that gives up)', () => {
  const url = process.env.KT_TEST_DATABASE_URL!;
  const tag = `kt_fake_replica_${randomBytes(3).toString('hex')}`;
  const primary = new Pool({ connectionString: url, max: 2 });
  const replica = new Pool({ connectionString: url, max: 2, application_name: tag });
  const lost: (string | undefined)[] = [];
  guardPoolClients(replica, (code) => lost.push(code));
  guardPoolClients(primary, () => undefined);
  const db = new Database(primary);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-fallback-'));
  const ROWS = 2500;
  const FETCH = 100;
  const SQL = `SELECT g::text AS n FROM generate_series(1, ${ROWS}) g ORDER BY g`;
  const expected = Array.from({ length: ROWS }, (_, i) => String(i + 1));

  afterAll(async () => {
    await db.close();
    await replica.end();
    await primary.end();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** As the worker writes a type: the file started afresh, one line per row; afterBatch sees each batch. */
  const writer = (file: string, afterBatch: (pool: Pool, batch: number) => Promise<void> = async () => undefined) => async (pool: Pool) => {
    let batches = 0;
    let count = 0;
    const lines = async function* () {
      for await (const rows of cursorBatches<{ n: string }>(db, SQL, [], FETCH, pool)) {
        count += rows.length;
        yield rows.map((r) => `${r.n}\n`).join('');
        await afterBatch(pool, ++batches);
      }
    };
    await pipeline(Readable.from(lines()), fs.createWriteStream(file));
    return count;
  };
  const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);

  it('reads the replica when it holds up, and the primary when there is no replica', async () => {
    const fromReplica = path.join(dir, 'replica.ndjson');
    const fallbacks: unknown[] = [];
    const r = await writeFromReplicaOrPrimary(replica, primary, writer(fromReplica), (e) => fallbacks.push(e));
    expect(r).toEqual({ result: ROWS, source: 'replica' });
    expect(lines(fromReplica)).toEqual(expected);
    const fromPrimary = path.join(dir, 'primary.ndjson');
    expect(await writeFromReplicaOrPrimary(undefined, primary, writer(fromPrimary), (e) => fallbacks.push(e))).toEqual({ result: ROWS, source: 'primary' });
    expect(lines(fromPrimary)).toEqual(expected);
    expect(fallbacks).toEqual([]);
  });

  it('writes the file again from the primary when the replica connection is terminated mid-cursor: every row exactly once', async () => {
    const file = path.join(dir, 'fallback.ndjson');
    const readFrom: string[] = [];
    const fallbacks: unknown[] = [];
    let terminated = 0;
    const r = await writeFromReplicaOrPrimary(
      replica,
      primary,
      writer(file, async (pool, batch) => {
        readFrom.push(pool === replica ? 'replica' : 'primary');
        if (pool === replica && batch === 1) {
          const t = await primary.query<{ ok: boolean }>('SELECT pg_terminate_backend(pid, 5000) AS ok FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [tag]);
          terminated = t.rows.filter((x) => x.ok).length;
        }
      }),
      (e) => fallbacks.push(e),
    );
    expect(terminated).toBe(1);
    expect(r).toEqual({ result: ROWS, source: 'primary_fallback' });
    // One batch came from the replica before it was cut off; then the whole type from the primary.
    expect(readFrom[0]).toBe('replica');
    expect(readFrom.slice(1)).toEqual(Array(ROWS / FETCH).fill('primary'));
    expect(fallbacks).toHaveLength(1);
    expect(isReplicaLoss(fallbacks[0])).toBe(true);
    expect(lines(file)).toEqual(expected);
    // The replica pool threw the broken connection away and reads again.
    expect((await replica.query<{ n: number }>('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
  });

  it('does not fall back on an error that is not the replica giving up: it is the caller\'s', async () => {
    const file = path.join(dir, 'broken.ndjson');
    const used: string[] = [];
    const fallbacks: unknown[] = [];
    const failing = async (pool: Pool) => {
      used.push(pool === replica ? 'replica' : 'primary');
      for await (const rows of cursorBatches(db, 'SELECT no_such_column FROM generate_series(1, 3) g', [], FETCH, pool)) void rows;
      return 0;
    };
    await expect(writeFromReplicaOrPrimary(replica, primary, failing, (e) => fallbacks.push(e))).rejects.toMatchObject({ code: '42703' });
    expect(used).toEqual(['replica']);
    expect(fallbacks).toEqual([]);
    expect(fs.existsSync(file)).toBe(false);
  });
});

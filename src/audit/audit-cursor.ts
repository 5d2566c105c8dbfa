import type { Pool, PoolClient } from 'pg';
import { Database, mapDatabaseError } from '../database/database';

/**
 * Rows of one query in batches from a server-side cursor (DECLARE ... FETCH), in one
 * REPEATABLE READ READ ONLY snapshot: memory holds one batch, whatever the size of the result.
 * Pulled by the consumer (backpressure); closing the generator early rolls back and frees the
 * connection. `pool` is where to read: the primary unless given (a replica, for a bulk export).
 */
export async function* cursorBatches<R>(db: Database, text: string, values: unknown[], fetch = 1000, pool: Pool = db.pool): AsyncGenerator<R[]> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    throw mapDatabaseError(e);
  }
  let broken: Error | undefined;
  let open = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    open = true;
    await client.query(`DECLARE kt_audit_cursor NO SCROLL CURSOR FOR ${text}`, values);
    for (;;) {
      const r = await client.query(`FETCH ${fetch} FROM kt_audit_cursor`);
      if (r.rows.length > 0) yield r.rows as R[];
      if (r.rows.length < fetch) break;
    }
    await client.query('COMMIT');
    open = false;
  } catch (e) {
    broken = e as Error;
    throw e;
  } finally {
    if (open) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
    client.release(broken);
  }
}


import { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { badRequest, conflict, serviceUnavailable } from '../fhir/errors/fhir-error';

/** What both the pool wrapper and a transaction's client offer. */
export interface Queryable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query<R extends QueryResultRow = any>(text: string | QueryConfig, values?: unknown[]): Promise<QueryResult<R>>;
}

/** PostgreSQL error codes mapped in one place (STYLE.md: errors are mapped in the store only). */
const SERIALIZATION_FAILURE = '40001';
const DEADLOCK = '40P01';
const UNIQUE_VIOLATION = '23505';
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  const err = e as { code?: string; constraint?: string };
  return err?.code === UNIQUE_VIOLATION && (!constraint || err.constraint === constraint);
}

function isRetryable(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return code === SERIALIZATION_FAILURE || code === DEADLOCK;
}

function isUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (err?.code && CONNECTION_CODES.has(err.code)) return true;
  if (err?.code === 'ECONNREFUSED' || err?.code === 'ECONNRESET' || err?.code === '57014') return true;
  return /Connection terminated|timeout exceeded when trying to connect/i.test(err?.message ?? '');
}

/**
 * A thin layer over the pg pool that TypeORM opened: hot paths use plain parameterised SQL
 * (named prepared statements where it pays), TypeORM keeps the schema and migrations.
 */
export class Database {
  constructor(readonly pool: Pool) {}

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async query<R extends QueryResultRow = any>(
    text: string | QueryConfig,
    values?: unknown[],
    name?: string,
  ): Promise<QueryResult<R>> {
    try {
      if (typeof text !== 'string') return await this.pool.query<R>(text);
      return await this.pool.query<R>(name ? { name, text, values } : { text, values });
    } catch (e) {
      throw mapDatabaseError(e);
    }
  }

  /**
   * Runs fn in one transaction (READ COMMITTED; the store takes row locks where it needs them).
   * Deadlocks and serialization failures are retried a few times, then answered 409.
   */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>, attempts = 3): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw mapDatabaseError(e);
      }
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release(isUnavailable(e) ? (e as Error) : undefined);
        if (isRetryable(e) && attempt < attempts) continue;
        if (isRetryable(e)) throw conflict('The resource was changed concurrently; retry the request');
        throw mapDatabaseError(e);
      }
    }
  }
}

export function mapDatabaseError(e: unknown): unknown {
  if (isUnavailable(e)) return serviceUnavailable('The database is unavailable; retry later');
  // 22021 invalid byte sequence / NUL, 22P02 invalid text representation, 22007/22008 bad datetime:
  // a value from the request that PostgreSQL cannot take is the client's error.
  const code = (e as { code?: string })?.code;
  if (code === '22021' || code === '22P02' || code === '22007' || code === '22008' || code === '22003') {
    return badRequest('A value in the request cannot be processed');
  }
  return e;
}

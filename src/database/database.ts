import { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { badRequest, conflict, FhirError, serviceUnavailable } from '../fhir/errors/fhir-error';

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

/**
 * A replica that gave up a read: a recovery conflict (SQLSTATE 40001, "canceling statement due to
 * conflict with recovery": a standby runs no serializable transactions, so a 40001 there is always
 * one), or a connection that was lost or refused. The same read may be made on the primary.
 */
export function isReplicaLoss(e: unknown): boolean {
  if ((e as { code?: string })?.code === SERIALIZATION_FAILURE) return true;
  if (e instanceof FhirError && e.status === 503) return true;
  return isUnavailable(e);
}

function isUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (err?.code && CONNECTION_CODES.has(err.code)) return true;
  if (err?.code === 'ECONNREFUSED' || err?.code === 'ECONNRESET' || err?.code === '57014') return true;
  // pg's own texts: a dropped connection, a connect timeout, a client whose connection failed earlier.
  return /Connection terminated|timeout exceeded when trying to connect|not queryable|Query read timeout/i.test(err?.message ?? '');
}

const GUARDED = Symbol('kt.clientErrorGuard');

/**
 * pg emits 'error' on a client whose connection drops (PostgreSQL restarted, a network cut). The
 * pool listens only while the client is idle; a checked-out client (a transaction between two
 * statements, the sealer, a cursor) with no listener would throw the event and end the process.
 * Every client therefore gets a listener of its own; the failed statement or the next one
 * rejects, the holder releases the client with the error, and the pool discards it.
 */
export function guardPoolClients(pool: Pool, onError: (code: string | undefined) => void): void {
  const guard = (client: PoolClient) => {
    const c = client as PoolClient & { [GUARDED]?: true };
    if (c[GUARDED]) return;
    c[GUARDED] = true;
    client.on('error', (e: Error) => onError((e as { code?: string }).code));
  };
  pool.on('connect', guard);
  // The first client (TypeORM's, made before this runs) is guarded when it is first checked out.
  pool.on('acquire', guard);
  pool.on('error', (e: Error) => onError((e as { code?: string }).code));
}

/** `16/B374D848` → a comparable number (FHIR-independent PostgreSQL WAL position). */
export function parseLsn(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/** Who wrote: reads of the same caller must see the write (read-your-writes). */
export interface WriterKey {
  principal?: { sub: string };
  clientAddress?: string;
}

const WRITE_MEMORY_MS = 5 * 60_000;
/** How often each replica's replay position is read. */
const REPLICA_POLL_MS = 100;

/**
 * A thin layer over the pg pool that TypeORM opened: hot paths use plain parameterised SQL
 * (named prepared statements where it pays), TypeORM keeps the schema and migrations.
 *
 * With read replicas (DATABASE_READ_URLS), `reader(ctx)` sends lag-tolerant reads to a replica
 * that has replayed the caller's own last write, and to the primary otherwise: after a write
 * commits we note the primary's WAL position for that caller; each replica's replay position
 * is polled in the background, so the routing decision costs no round trip.
 */
export class Database {
  private readonly lastWrite = new Map<string, { lsn: bigint; at: number }>();
  private readonly replicas: { pool: Pool; replayed: bigint; healthy: boolean }[];
  private poller: NodeJS.Timeout | undefined;
  private next = 0;

  /**
   * @param genericPool a few primary connections that always use generic plans
   *   (plan_cache_mode=force_generic_plan), for statements PostgreSQL would otherwise plan on every
   *   call: one whose joins reach partitioned tables looks cheaper planned for its values each time,
   *   and planning it costs more than running it (the audit group commit: 2 ms against 0.4 ms).
   */
  constructor(readonly pool: Pool, readPools: Pool[] = [], private readonly genericPool?: Pool) {
    this.replicas = readPools.map((p) => ({ pool: p, replayed: 0n, healthy: false }));
    if (this.replicas.length) {
      this.poller = setInterval(() => void this.pollReplicas(), REPLICA_POLL_MS);
      this.poller.unref();
      void this.pollReplicas();
    }
  }

  get hasReplicas(): boolean {
    return this.replicas.length > 0;
  }

  /** Where a read that tolerates replica lag should go for this caller. */
  reader(who?: WriterKey): Queryable {
    if (!this.replicas.length) return this;
    const written = who ? this.lastWrite.get(keyOf(who)) : undefined;
    for (let i = 0; i < this.replicas.length; i++) {
      const r = this.replicas[(this.next + i) % this.replicas.length];
      if (r.healthy && (!written || r.replayed >= written.lsn)) {
        this.next = (this.next + i + 1) % this.replicas.length;
        return poolQueryable(r.pool, () => (r.healthy = false), this);
      }
    }
    return this;
  }

  /**
   * A replica that has replayed the primary's WAL up to `lsn` (so it sees every transaction that had
   * committed when the primary was at `lsn`), waiting up to `timeoutMs` for one to catch up;
   * `undefined` when there is no healthy replica or none catches up in time (then read the
   * primary). `whileWaiting` runs between polls: a long-running caller beats and may throw to stop.
   */
  async replicaAt(lsn: string, timeoutMs: number, whileWaiting: () => Promise<void> = async () => undefined): Promise<Pool | undefined> {
    if (!this.replicas.length) return undefined;
    const target = parseLsn(lsn);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.replicas.find((x) => x.healthy && x.replayed >= target);
      if (r) return r.pool;
      if (Date.now() >= deadline) return undefined;
      await whileWaiting();
      await new Promise((res) => setTimeout(res, Math.min(REPLICA_POLL_MS, Math.max(0, deadline - Date.now()))));
    }
  }

  /** The primary, on connections that plan each statement once (see the constructor). */
  generic(): Queryable {
    return this.genericPool ? poolQueryable(this.genericPool) : this;
  }

  /** Stops polling replicas and closes their pools (the primary pool belongs to TypeORM). */
  async close(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await this.genericPool?.end().catch(() => undefined);
    await Promise.all(this.replicas.map((r) => r.pool.end().catch(() => undefined)));
  }

  private async pollReplicas(): Promise<void> {
    await Promise.all(
      this.replicas.map(async (r) => {
        try {
          const res = await r.pool.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn');
          const lsn = res.rows[0]?.lsn;
          r.replayed = lsn ? parseLsn(lsn) : 0n;
          r.healthy = !!lsn;
        } catch {
          r.healthy = false;
        }
      }),
    );
    const cutoff = Date.now() - WRITE_MEMORY_MS;
    for (const [k, v] of this.lastWrite) if (v.at < cutoff) this.lastWrite.delete(k);
  }

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
  async transaction<T>(fn: (tx: Queryable) => Promise<T>, writerOrAttempts?: WriterKey | number, maxAttempts = 3): Promise<T> {
    const writer = typeof writerOrAttempts === 'object' ? writerOrAttempts : undefined;
    const attempts = typeof writerOrAttempts === 'number' ? writerOrAttempts : maxAttempts;
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
        if (this.replicas.length && writer) {
          const res = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
          this.lastWrite.set(keyOf(writer), { lsn: parseLsn(res.rows[0].lsn), at: Date.now() });
        }
        client.release();
        return result;
      } catch (e) {
        // A connection that failed is discarded, and with it the transaction: a ROLLBACK would
        // only wait once more on a server that does not answer.
        if (isUnavailable(e)) {
          client.release(e as Error);
          throw mapDatabaseError(e);
        }
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
        if (isRetryable(e) && attempt < attempts) continue;
        if (isRetryable(e)) throw conflict('The resource was changed concurrently; retry the request');
        throw mapDatabaseError(e);
      }
    }
  }
}

function keyOf(w: WriterKey): string {
  return w.principal?.sub ? `sub:${w.principal.sub}` : `addr:${w.clientAddress ?? ''}`;
}

/**
 * A pool as a Queryable (errors mapped: unavailable is 503); a replica's marks itself unhealthy on
 * such a failure. With `primary` (a replica's reads), a read the replica cancelled for a conflict
 * with recovery (40001) is made once more on the primary: reads are idempotent, and the conflict
 * (vacuum or a lock replayed from the primary) is the replica's, not the caller's.
 */
function poolQueryable(pool: Pool, onUnavailable: () => void = () => undefined, primary?: Database): Queryable {
  return {
    query: async (text: string | QueryConfig, values?: unknown[]) => {
      try {
        return typeof text === 'string' ? await pool.query(text, values) : await pool.query(text);
      } catch (e) {
        if (primary && (e as { code?: string })?.code === SERIALIZATION_FAILURE) return primary.query(text, values);
        if (isUnavailable(e)) onUnavailable();
        throw mapDatabaseError(e);
      }
    },
  } as Queryable;
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

import type { Logger } from 'pino';
import type { PoolClient } from 'pg';
import type { Database } from '../database/database';
import { chainHash, GENESIS } from './audit-chain';

/** An arbitrary constant ("AUDS"): the advisory lock whose holder seals a round. */
export const SEAL_LOCK = 0x41554453;

export interface SealerOptions {
  intervalMs: number;
  /** Most rows hashed per round; a backlog is worked off in rounds back to back. */
  batch: number;
}

const DEFAULTS: SealerOptions = { intervalMs: 1000, batch: 5000 };

/** Every running sealer of this process, for the free function `sealLagSeconds()`. */
const running = new Set<AuditSealer>();

/**
 * Seal lag of this process: the age in seconds of the oldest committed AuditEvent not yet in
 * the chain, as last measured (0 when everything committed is sealed); grows by itself when the
 * sealer stops measuring. `/readyz` reports "not ready" above a threshold.
 */
export function sealLagSeconds(): number {
  let lag = 0;
  for (const s of running) lag = Math.max(lag, s.lagSeconds());
  return lag;
}

/**
 * Where the next round looks (docs/AUDIT.md, "The gap problem"). Every unsealed row has
 * `txid >= xmin`, or `txid >= horizon AND seq > after`. `after` is null outside a backlog: then
 * horizon = xmin, the previous round's snapshot xmin.
 */
interface SealCursor {
  horizon: string;
  after: string | null;
  xmin: string;
}

interface Head {
  pos: number;
  hash: Buffer;
  cursor: SealCursor;
}

interface UnsealedRow {
  seq: string;
  id: string;
  content: string;
  recorded: Date;
}

const COLUMNS = 'e.seq::text AS seq, e.id, e.content, e.recorded';
const UNSEALED_ROW = 'NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.seq = e.seq)';
/** Steady state: the rows of transactions since the last round's snapshot (a BRIN range). */
const UNSEALED = `SELECT ${COLUMNS} FROM audit_event e
                   WHERE e.txid >= $1::bigint AND ${UNSEALED_ROW} ORDER BY e.seq LIMIT $2`;
/**
 * A backlog (a round filled its batch): go on from the last seq sealed, in seq order, plus any
 * row that committed since (txid at or above the newer xmin) — each branch an index range.
 */
const BACKLOG = `SELECT * FROM (
                   (SELECT ${COLUMNS} FROM audit_event e
                     WHERE e.seq > $2::bigint AND e.txid >= $1::bigint AND ${UNSEALED_ROW} ORDER BY e.seq LIMIT $4)
                   UNION
                   (SELECT ${COLUMNS} FROM audit_event e
                     WHERE e.txid >= $3::bigint AND ${UNSEALED_ROW} ORDER BY e.seq LIMIT $4)
                 ) u ORDER BY u.seq::bigint LIMIT $4`;
/** The oldest committed row not sealed yet: steady state, and backlog (about the oldest). */
const OLDEST_UNSEALED = `SELECT min(e.recorded) AS recorded FROM audit_event e WHERE e.txid >= $1::bigint AND ${UNSEALED_ROW}`;
const OLDEST_BACKLOG = `SELECT e.recorded FROM audit_event e
                         WHERE e.seq > $2::bigint AND e.txid >= $1::bigint AND ${UNSEALED_ROW} ORDER BY e.seq LIMIT 1`;

/**
 * Chains committed AuditEvents in rounds, about once a second (docs/AUDIT.md):
 *
 * - Election: a round runs only while holding `pg_try_advisory_lock(SEAL_LOCK)`, so whatever
 *   the number of instances, one seals at a time; requests never take this lock.
 * - The gap problem: seq numbers are taken at INSERT and become visible at COMMIT, in another
 *   order. The chain therefore does not follow seq: it follows the order in which the sealer
 *   *sees* rows committed (chain position `pos`). Each round reads, in one REPEATABLE READ
 *   snapshot, every unsealed row whose transaction id is at or above the previous round's
 *   snapshot xmin: any row invisible to that snapshot belonged to a transaction still running
 *   (or not yet begun) then, so its transaction id is at least that xmin, and the next round
 *   finds it. A row that commits late is appended late; a rolled-back seq leaves no hole to
 *   wait for.
 */
export class AuditSealer {
  private timer?: NodeJS.Timeout;
  private current?: Promise<void>;
  private stopped = true;
  private lag = 0;
  private measuredAt = Date.now();
  private readonly opts: SealerOptions;

  constructor(
    private readonly db: Database,
    private readonly log: Pick<Logger, 'warn' | 'error'>,
    opts: Partial<SealerOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  start(): void {
    this.stopped = false;
    running.add(this);
    this.schedule(this.opts.intervalMs);
  }

  /** Stops the loop after a last round (SIGTERM: finish the audit seal). */
  async stop(): Promise<void> {
    if (!running.has(this)) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current?.catch(() => undefined);
    await this.sealNow(5_000).catch(() => undefined);
    running.delete(this);
  }

  lagSeconds(): number {
    const stale = (Date.now() - this.measuredAt - 2 * this.opts.intervalMs) / 1000;
    return Math.max(this.lag, stale, 0);
  }

  /**
   * Seals everything committed so far: rounds until one finds no backlog, waiting (up to
   * `waitMs`) while another round, here or on another instance, holds the lock. Returns the
   * number of rows this call sealed.
   */
  async sealNow(waitMs = 10_000): Promise<number> {
    const deadline = Date.now() + waitMs;
    let total = 0;
    for (;;) {
      const r = await this.round();
      total += r.sealed;
      if (r.locked && !r.more) return total;
      if (!r.locked) {
        if (Date.now() > deadline) return total;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.round()
        .then((r) => this.schedule(r.more ? 0 : this.opts.intervalMs))
        .catch((e) => {
          this.log.error({ code: (e as { code?: string })?.code }, 'audit seal round failed');
          this.schedule(this.opts.intervalMs);
        });
    }, ms);
    this.timer.unref();
  }

  /** Rounds of this process never overlap: a lost lock then always means another instance. */
  private queue: Promise<unknown> = Promise.resolve();

  private round(): Promise<{ sealed: number; more: boolean; locked: boolean }> {
    const next = this.queue.then(() => this.roundOnce());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async roundOnce(): Promise<{ sealed: number; more: boolean; locked: boolean }> {
    const client = await this.db.pool.connect();
    let broken: Error | undefined;
    try {
      const locked = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [SEAL_LOCK]);
      if (!locked.rows[0].ok) {
        await this.measureLag(client);
        return { sealed: 0, more: false, locked: false };
      }
      try {
        return { ...(await this.sealLocked(client)), locked: true };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [SEAL_LOCK]);
      }
    } catch (e) {
      broken = e as Error;
      throw e;
    } finally {
      // A connection that failed mid-round is discarded (and its session lock with it).
      client.release(broken);
    }
  }

  private async sealLocked(client: PoolClient): Promise<{ sealed: number; more: boolean }> {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      // The first statement takes the snapshot that every later one sees.
      const snap = await client.query<{ xmin: string; now: Date }>(
        'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, clock_timestamp() AS now',
      );
      const xmin = snap.rows[0].xmin;
      const head = await this.head(client);
      const rows = await client.query<UnsealedRow>(
        head.cursor.after === null
          ? { name: 'kt_audit_unsealed', text: UNSEALED, values: [head.cursor.horizon, this.opts.batch] }
          : { name: 'kt_audit_backlog', text: BACKLOG, values: [head.cursor.horizon, head.cursor.after, head.cursor.xmin, this.opts.batch] },
      );
      const more = rows.rows.length === this.opts.batch;
      const last = rows.rows[rows.rows.length - 1];
      const cursor: SealCursor = more ? { horizon: head.cursor.horizon, after: last.seq, xmin } : { horizon: xmin, after: null, xmin };
      let pos = head.pos;
      if (rows.rows.length > 0) {
        const cols: unknown[][] = [[], [], [], []];
        let prev = head.hash;
        for (const r of rows.rows) {
          prev = chainHash(prev, r);
          pos++;
          cols[0].push(String(pos));
          cols[1].push(r.seq);
          cols[2].push(r.id);
          cols[3].push(prev);
        }
        await client.query({
          name: 'kt_audit_seal',
          text: `INSERT INTO audit_seal (pos, seq, id, hash, horizon, after_seq, snap_xmin)
                 SELECT p, s, i, h, $5::bigint, $6::bigint, $7::bigint
                   FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bytea[]) AS x(p, s, i, h)`,
          values: [...cols, cursor.horizon, cursor.after, cursor.xmin],
        });
      }
      await client.query('COMMIT');
      this.last = { pos, cursor };
      this.setLag(more ? (snap.rows[0].now.getTime() - last.recorded.getTime()) / 1000 : 0);
      return { sealed: rows.rows.length, more };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /** This instance's last round: an idle round moves the horizon without writing a row. */
  private last?: { pos: number; cursor: SealCursor };

  private async head(client: PoolClient): Promise<Head> {
    const r = await client.query<{ pos: string; hash: Buffer; horizon: string; after_seq: string | null; xmin: string }>(
      `SELECT s.pos::text AS pos, s.hash, s.horizon::text AS horizon, s.after_seq::text AS after_seq, s.snap_xmin::text AS xmin
         FROM audit_seal s ORDER BY s.pos DESC LIMIT 1`,
    );
    const row = r.rows[0];
    const pos = row ? Number(row.pos) : 0;
    // Another instance may have sealed since; its cursor is then the newer one.
    const cursor =
      this.last && this.last.pos === pos
        ? this.last.cursor
        : row
          ? { horizon: row.horizon, after: row.after_seq, xmin: row.xmin }
          : { horizon: '0', after: null, xmin: '0' };
    return { pos, hash: row ? row.hash : GENESIS, cursor };
  }

  /** Another instance seals; this one still reports how far behind the chain is. */
  private async measureLag(client: PoolClient): Promise<void> {
    const { cursor } = await this.head(client);
    const r = await client.query<{ recorded: Date | null }>(
      cursor.after === null
        ? { name: 'kt_audit_oldest', text: OLDEST_UNSEALED, values: [cursor.xmin] }
        : { name: 'kt_audit_oldest_backlog', text: OLDEST_BACKLOG, values: [cursor.horizon, cursor.after] },
    );
    const oldest = r.rows[0]?.recorded;
    const lag = oldest ? (Date.now() - oldest.getTime()) / 1000 : 0;
    // Events younger than two rounds are not late yet.
    this.setLag(lag > (2 * this.opts.intervalMs) / 1000 ? lag : 0);
  }

  private setLag(seconds: number): void {
    this.lag = Math.max(0, seconds);
    this.measuredAt = Date.now();
  }
}

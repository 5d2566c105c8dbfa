import type { Logger } from 'pino';
import type { Queryable } from '../database/database';
import { FhirError, serviceUnavailable } from '../fhir/errors/fhir-error';
import type { AuditRecord } from './audit-event.builder';
import { insertAuditRecords } from './audit-insert';

interface Waiting {
  record: AuditRecord;
  resolve: () => void;
  reject: (e: Error) => void;
  /** When it was queued (performance.now()). */
  at: number;
}

export interface GroupCommitOptions {
  /** Statements in flight at once: one keeps batches large, two hide a commit's latency. */
  maxInFlight: number;
  /** Most events in one statement. */
  maxBatch: number;
  /** A read waits at most this long for its AuditEvent, then answers 503 (fail closed). */
  timeoutMs: number;
  /**
   * While a statement is in flight, a further one waits up to this long (ms) for events that
   * requests under way are about to queue (PostgreSQL's commit_delay, for the audit log): each
   * statement costs a commit, and on a busy machine fewer, larger statements serve more reads.
   * 0 sends at once.
   */
  gatherMs: number;
  /** Requests under way that may still queue an event (FhirHooks.activeRequests). */
  expected?: () => number;
}

const DEFAULTS: GroupCommitOptions = { maxInFlight: 2, maxBatch: 1000, timeoutMs: 10_000, gatherMs: 1 };

/**
 * Group commit for AuditEvents outside a write's transaction (reads, refusals, exports): every
 * caller queues its event and waits; a flusher takes everything queued, writes it with one
 * multi-row INSERT that commits on its own, and then settles all those callers together. While
 * a statement is in flight the next batch gathers, so the batch grows with the load and no
 * request ever holds a lock or a connection of its own for its audit row.
 */
export class AuditWriter {
  private queue: Waiting[] = [];
  private inFlight = 0;
  /** Events carried by the statements in flight. */
  private inStatements = 0;
  private scheduled = false;
  private gatherTimer: NodeJS.Timeout | undefined;
  private readonly idle: (() => void)[] = [];
  private readonly opts: GroupCommitOptions;

  constructor(
    private readonly db: Queryable,
    private readonly log: Pick<Logger, 'error' | 'warn'>,
    opts: Partial<GroupCommitOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** Resolves once the event is committed; rejects with 503 when it could not be. */
  append(record: AuditRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, resolve, reject, at: performance.now() });
      // Events raised in the same turn of the event loop share a statement.
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** A write's AuditEvents go into the write's own transaction: they commit or roll back with it. */
  writeInTransaction(tx: Queryable, records: AuditRecord[]): Promise<void> {
    // Runs after the write's batch statement, which has set the transaction to generic plans
    // (batch-writer.ts): this insert's joins reach partitioned tables and would otherwise be planned
    // on every write (about 2 ms, five times running it).
    return insertAuditRecords(tx, records);
  }

  /** Committed group-commit statements, the events they carried, and the seconds they took (metrics). */
  readonly totals = { statements: 0, events: 0, seconds: 0 };

  /** Events queued and not yet in a statement (a gauge). */
  waiting(): number {
    return this.queue.length;
  }

  /** Resolves when nothing is queued or in flight (shutdown, tests). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0 && !this.scheduled && !this.gatherTimer) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.opts.maxInFlight) {
      const wait = this.gatherWait();
      if (wait > 0) {
        this.gatherTimer ??= setTimeout(() => {
          this.gatherTimer = undefined;
          this.pump();
        }, wait);
        return;
      }
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      this.inStatements += batch.length;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        this.inStatements -= batch.length;
        this.pump();
        if (this.queue.length === 0 && this.inFlight === 0 && !this.gatherTimer) this.idle.splice(0).forEach((f) => f());
      });
    }
  }

  /**
   * How long (ms) to hold the queue before another statement: never when none is in flight (an
   * idle server answers at once), nor when every request under way has queued its event already,
   * nor past `gatherMs` after the oldest event queued.
   */
  private gatherWait(): number {
    if (this.inFlight === 0 || this.opts.gatherMs <= 0 || !this.opts.expected) return 0;
    if (this.queue.length >= this.opts.maxBatch) return 0;
    const coming = this.opts.expected() - this.queue.length - this.inStatements;
    if (coming <= 0) return 0;
    const left = this.opts.gatherMs - (performance.now() - this.queue[0].at);
    return left > 0 ? Math.ceil(left) : 0;
  }

  private async flush(batch: Waiting[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('audit insert timed out')), this.opts.timeoutMs);
    });
    const t0 = process.hrtime.bigint();
    try {
      await Promise.race([
        insertAuditRecords(this.db, batch.map((w) => w.record)),
        timeout,
      ]);
      for (const w of batch) w.resolve();
      this.totals.statements++;
      this.totals.events += batch.length;
      this.totals.seconds += Number(process.hrtime.bigint() - t0) / 1e9;
    } catch (e) {
      // The code only: a database message can quote values.
      const code = (e as { code?: string })?.code ?? (e instanceof FhirError ? `http-${e.status}` : 'timeout');
      this.log.error({ events: batch.length, code }, 'audit insert failed');
      const unavailable = serviceUnavailable('The audit log is unavailable; retry later');
      for (const w of batch) w.reject(unavailable);
    } finally {
      clearTimeout(timer);
    }
  }
}

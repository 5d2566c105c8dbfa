import type { Logger } from 'pino';
import type { Database, Queryable } from '../database/database';
import { FhirError, serviceUnavailable } from '../fhir/errors/fhir-error';
import type { AuditRecord } from './audit-event.builder';
import { insertAuditRecords } from './audit-insert';

interface Waiting {
  record: AuditRecord;
  resolve: () => void;
  reject: (e: Error) => void;
}

export interface GroupCommitOptions {
  /** Statements in flight at once: one keeps batches large, two hide a commit's latency. */
  maxInFlight: number;
  /** Most events in one statement. */
  maxBatch: number;
  /** A read waits at most this long for its AuditEvent, then answers 503 (fail closed). */
  timeoutMs: number;
}

const DEFAULTS: GroupCommitOptions = { maxInFlight: 2, maxBatch: 1000, timeoutMs: 10_000 };

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
  private scheduled = false;
  private readonly idle: (() => void)[] = [];
  private readonly opts: GroupCommitOptions;

  constructor(
    private readonly db: Database,
    private readonly log: Pick<Logger, 'error' | 'warn'>,
    opts: Partial<GroupCommitOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** Resolves once the event is committed; rejects with 503 when it could not be. */
  append(record: AuditRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
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
    if (this.queue.length === 0 && this.inFlight === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.opts.maxInFlight) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.queue.length === 0 && this.inFlight === 0) this.idle.splice(0).forEach((f) => f());
      });
    }
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

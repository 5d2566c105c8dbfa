import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { cursorBatches } from '../audit/audit-cursor';
import { exportChunks } from '../audit/audit-export';
import type { Database } from '../database/database';
import type { ExportJob, ExportJobs, OutputFile } from './export-jobs';
import type { PlannedType } from './export-plan';
import { ExportSource, writeFromReplicaOrPrimary } from './replica-fallback';

const POLL_MS = 1000;
const BEAT_MS = 2000;
const FETCH = 500;

/** Thrown inside a running export when the job was cancelled, reclaimed or the worker stops. */
class Stopped extends Error {}

export interface ExportWorkerOptions {
  /** EXPORT_REPLICA_WAIT_MS: how long a job waits for a replica to reach its read_lsn. */
  replicaWaitMs: number;
  /** Called once per type written, with where it was read from (a metric). */
  onTypeWritten?: (source: ExportSource) => void;
}

export function jobDir(dataDir: string, id: string): string {
  return path.join(dataDir, 'exports', id);
}

export async function removeJobFiles(dataDir: string, id: string): Promise<void> {
  await fs.promises.rm(jobDir(dataDir, id), { recursive: true, force: true });
}

/**
 * One per instance: claims a job (SKIP LOCKED), streams each type from a server-side cursor
 * into `DATA_DIR/exports/<job>/<Type>.ndjson`, one stored JSON text per line, so memory holds
 * one batch whatever the size of a type (LESSONS.md: HAPI #8374, #3599). Beats while it runs;
 * a job whose worker died is claimed again once its heartbeat is stale.
 *
 * With replicas (CONTRACT.md: export tolerates lag), a job reads one that has replayed the
 * primary's WAL up to the job's `read_lsn` (taken at the claim, after transaction_time), so it
 * misses no commit the primary had then; it waits up to EXPORT_REPLICA_WAIT_MS for one, then reads
 * the primary. A type whose replica cursor is cancelled is written again from the primary.
 */
export class ExportWorker {
  readonly id = `worker-${randomUUID()}`;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopping = false;
  private current?: string;

  constructor(
    private readonly db: Database,
    private readonly jobs: ExportJobs,
    private readonly dataDir: string,
    private readonly log: Logger,
    private readonly options: ExportWorkerOptions = { replicaWaitMs: 30_000 },
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** A kick-off in this instance need not wait for the next poll. */
  wake(): void {
    if (!this.running && !this.stopping) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.drain().finally(() => {
        this.running = undefined;
        if (!this.stopping) this.schedule(POLL_MS);
      });
    }, ms);
    this.timer.unref();
  }

  /** Runs jobs until the queue is empty. */
  private async drain(): Promise<void> {
    while (!this.stopping) {
      let job: ExportJob | undefined;
      try {
        job = await this.jobs.claim(this.id);
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'bulk export: cannot claim a job');
        return;
      }
      if (!job) return;
      await this.run(job);
    }
  }

  private async run(job: ExportJob): Promise<void> {
    this.current = job.id;
    const dir = jobDir(this.dataDir, job.id);
    try {
      // A reclaimed job starts over: whatever a dead worker left is incomplete.
      await fs.promises.rm(dir, { recursive: true, force: true });
      await fs.promises.mkdir(dir, { recursive: true });
      const output: OutputFile[] = [];
      const replica = await this.replicaFor(job);
      for (const [i, t] of job.plan.types.entries()) {
        const file = `${t.type}.ndjson`;
        const progress = `${i + 1}/${job.plan.types.length} ${t.type}`;
        const { result: count, source } = await writeFromReplicaOrPrimary(
          replica,
          this.db.pool,
          (pool) => this.writeType(job, t, path.join(dir, file), progress, pool),
          // The code only: no values, no PHI.
          (e) => this.log.warn({ job: job.id, type: t.type, code: (e as { code?: string }).code }, 'bulk export: the replica gave up the read; writing the type again from the primary'),
        );
        this.options.onTypeWritten?.(source);
        if (count > 0) output.push({ type: t.type, file, count });
        else await fs.promises.rm(path.join(dir, file), { force: true });
        if (!(await this.jobs.beat(job.id, this.id, `${i + 1}/${job.plan.types.length} types`))) throw new Stopped();
      }
      if (!(await this.jobs.complete(job.id, this.id, output))) throw new Stopped();
      this.log.info({ job: job.id, files: output.length }, 'bulk export completed');
    } catch (e) {
      if (e instanceof Stopped) {
        if (this.stopping) await this.jobs.release(job.id, this.id).catch(() => undefined);
        // Cancelled (or taken over): the files are not this worker's to keep.
        else await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
        if (this.stopping) await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
        return;
      }
      this.log.error({ job: job.id, err: (e as Error).message }, 'bulk export failed');
      await this.jobs.fail(job.id, this.id, 'The export failed; see the server log').catch(() => undefined);
      await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    } finally {
      this.current = undefined;
    }
  }

  /**
   * A replica that has replayed the job's read_lsn, waiting for one (the job beating, cancellation
   * honoured); undefined without replicas, or when none catches up within EXPORT_REPLICA_WAIT_MS.
   */
  private async replicaFor(job: ExportJob): Promise<Pool | undefined> {
    if (!this.db.hasReplicas || !job.read_lsn) return undefined;
    const started = Date.now();
    const pool = await this.db.replicaAt(job.read_lsn, this.options.replicaWaitMs, this.checkpoint(job, () => 'waiting for a replica'));
    if (!pool) {
      this.log.warn({ job: job.id, readLsn: job.read_lsn, waitedMs: Date.now() - started }, 'bulk export: no replica has replayed the job start in time; reading the primary');
    }
    return pool;
  }

  /** Throws Stopped when the worker stops or the job is no longer this worker's; beats every BEAT_MS. */
  private checkpoint(job: ExportJob, progress: () => string): () => Promise<void> {
    let lastBeat = Date.now();
    return async () => {
      if (this.stopping) throw new Stopped();
      if (Date.now() - lastBeat < BEAT_MS) return;
      lastBeat = Date.now();
      if (!(await this.jobs.beat(job.id, this.id, progress()))) throw new Stopped();
    };
  }

  /** Streams one type from `pool` to its file (started afresh); returns the number of lines written. */
  private async writeType(job: ExportJob, t: PlannedType, file: string, progress: string, pool: Pool): Promise<number> {
    let count = 0;
    const checkpoint = this.checkpoint(job, () => `${progress}: ${count} resources`);
    const until = new Date(job.transaction_time);
    const source =
      t.type === 'AuditEvent'
        ? // The same rows and text as `/audit/export?format=ndjson` (CONTRACT.md, Audit).
          (async function* (this: ExportWorker): AsyncGenerator<string> {
            const since = job.plan.auditSince ? new Date(job.plan.auditSince) : undefined;
            for await (const chunk of exportChunks(this.db, { format: 'ndjson', since, until }, FETCH, pool)) {
              await checkpoint();
              for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) count++;
              yield chunk;
            }
          }).call(this)
        : (async function* (this: ExportWorker): AsyncGenerator<string> {
            const values = [...t.values, until.toISOString()];
            const sql = `SELECT r.content FROM resource r WHERE ${t.text} AND r.last_updated <= $${values.length}::timestamptz`;
            for await (const rows of cursorBatches<{ content: string }>(this.db, sql, values, FETCH, pool)) {
              await checkpoint();
              let out = '';
              for (const r of rows) out += `${r.content.replace(/\r?\n/g, ' ')}\n`;
              count += rows.length;
              yield out;
            }
          }).call(this);
    await pipeline(Readable.from(source, { objectMode: false, highWaterMark: 64 * 1024 }), fs.createWriteStream(file));
    return count;
  }

  get busyWith(): string | undefined {
    return this.current;
  }
}

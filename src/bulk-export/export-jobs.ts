import type { Database } from '../database/database';
import type { ExportPlan } from './export-plan';

export type JobStatus = 'queued' | 'in-progress' | 'completed' | 'failed' | 'cancelled';

export interface OutputFile {
  type: string;
  /** File name under the job's directory, e.g. `Observation.ndjson`. */
  file: string;
  count: number;
}

export interface ExportJob {
  id: string;
  status: JobStatus;
  principal_sub: string;
  request: string;
  plan: ExportPlan;
  transaction_time: Date;
  progress: string | null;
  error: string | null;
  output: OutputFile[] | null;
  /** The primary's WAL position at the claim (`16/B374D848`): a replica must have replayed it to serve the export. */
  read_lsn: string | null;
}

/** A job whose worker has not beaten for this long is taken to be dead and claimed again. */
export const STALE_AFTER_SECONDS = 60;

const COLS = 'id, status, principal_sub, request, plan, transaction_time, progress, error, output, read_lsn::text AS read_lsn';

/** The job table (migrations/1732900000000-bulk-export.ts): every state change is one statement. */
export class ExportJobs {
  constructor(private readonly db: Database) {}

  async create(id: string, sub: string, request: string, plan: ExportPlan): Promise<void> {
    await this.db.query(`INSERT INTO bulk_export_job (id, status, principal_sub, request, plan, progress) VALUES ($1, 'queued', $2, $3, $4, 'queued')`, [
      id,
      sub,
      request,
      JSON.stringify(plan),
    ]);
  }

  /** The caller's own job, unless cancelled: anyone else's is as if unknown (404). */
  async get(id: string, sub: string): Promise<ExportJob | undefined> {
    const r = await this.db.query<ExportJob>(`SELECT ${COLS} FROM bulk_export_job WHERE id = $1 AND principal_sub = $2 AND status <> 'cancelled'`, [id, sub]);
    return r.rows[0];
  }

  /**
   * Claims the oldest queued job, or one left in progress by a worker whose heartbeat went stale
   * (it died); SKIP LOCKED lets every instance's worker poll at once without waiting on another.
   * `read_lsn` is the primary's WAL position at this claim: every commit before it, hence every
   * committed row with last_updated <= transaction_time, is visible on a replica that replayed it.
   */
  async claim(worker: string): Promise<ExportJob | undefined> {
    const r = await this.db.query<ExportJob>(
      `UPDATE bulk_export_job SET status = 'in-progress', worker = $1, heartbeat = now(), progress = 'started', read_lsn = pg_current_wal_lsn()
        WHERE id = (SELECT id FROM bulk_export_job
                     WHERE status = 'queued' OR (status = 'in-progress' AND (heartbeat IS NULL OR heartbeat < now() - make_interval(secs => $2)))
                     ORDER BY created FOR UPDATE SKIP LOCKED LIMIT 1)
        RETURNING ${COLS}`,
      [worker, STALE_AFTER_SECONDS],
    );
    return r.rows[0];
  }

  /** Records progress; false when the job is no longer this worker's (cancelled or reclaimed). */
  async beat(id: string, worker: string, progress: string): Promise<boolean> {
    const r = await this.db.query(`UPDATE bulk_export_job SET heartbeat = now(), progress = $3 WHERE id = $1 AND worker = $2 AND status = 'in-progress'`, [id, worker, progress]);
    return (r.rowCount ?? 0) > 0;
  }

  async complete(id: string, worker: string, output: OutputFile[]): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE bulk_export_job SET status = 'completed', progress = 'completed', output = $3, heartbeat = now() WHERE id = $1 AND worker = $2 AND status = 'in-progress'`,
      [id, worker, JSON.stringify(output)],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async fail(id: string, worker: string, error: string): Promise<void> {
    await this.db.query(`UPDATE bulk_export_job SET status = 'failed', progress = 'failed', error = $3 WHERE id = $1 AND worker = $2 AND status = 'in-progress'`, [id, worker, error]);
  }

  /** A worker stopping (shutdown) hands its job back to the queue for the next one. */
  async release(id: string, worker: string): Promise<void> {
    await this.db.query(`UPDATE bulk_export_job SET status = 'queued', worker = NULL, progress = 'queued' WHERE id = $1 AND worker = $2 AND status = 'in-progress'`, [id, worker]);
  }

  /** true when the caller's job existed and is now cancelled. */
  async cancel(id: string, sub: string): Promise<boolean> {
    const r = await this.db.query(`UPDATE bulk_export_job SET status = 'cancelled', progress = 'cancelled' WHERE id = $1 AND principal_sub = $2 AND status <> 'cancelled'`, [id, sub]);
    return (r.rowCount ?? 0) > 0;
  }

  async countByStatus(): Promise<Record<string, number>> {
    const r = await this.db.query<{ status: string; n: string }>('SELECT status, count(*)::text AS n FROM bulk_export_job GROUP BY status');
    return Object.fromEntries(r.rows.map((x) => [x.status, Number(x.n)]));
  }
}

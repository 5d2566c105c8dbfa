import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bulk Data v2 `$export` jobs (src/bulk-export/): one row per kick-off, claimed by any instance's
 * worker with `FOR UPDATE SKIP LOCKED`. `heartbeat` is refreshed while a worker runs a job, so a
 * job whose worker died (its heartbeat gone stale) is claimed again by another worker.
 * `plan` holds, per type, the WHERE clause compiled at kick-off (access rules, `_since`,
 * `_typeFilter`, compartment) with its values, so the worker needs no request context.
 */
export class BulkExport1732900000000 implements MigrationInterface {
  name = 'BulkExport1732900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bulk_export_job (
        id               uuid        PRIMARY KEY,
        status           text        NOT NULL CHECK (status IN ('queued', 'in-progress', 'completed', 'failed', 'cancelled')),
        principal_sub    text        NOT NULL,
        request          text        NOT NULL,
        plan             jsonb       NOT NULL,
        transaction_time timestamptz NOT NULL DEFAULT now(),
        created          timestamptz NOT NULL DEFAULT now(),
        heartbeat        timestamptz,
        worker           text,
        progress         text,
        error            text,
        output           jsonb
      )`);
    await q.query(`CREATE INDEX bulk_export_job_queue_idx ON bulk_export_job (created) WHERE status IN ('queued', 'in-progress')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS bulk_export_job');
  }
}

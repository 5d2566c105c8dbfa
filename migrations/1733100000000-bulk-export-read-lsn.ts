import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `read_lsn`: the primary's WAL position when a worker claimed the job. The export reads a replica
 * only once it has replayed this far, so it sees every commit the primary had at the claim
 * (src/bulk-export/export-worker.ts); kept on the row so that an operator can compare it with a
 * replica's `pg_last_wal_replay_lsn()`. A reclaimed job takes a new one.
 */
export class BulkExportReadLsn1733100000000 implements MigrationInterface {
  name = 'BulkExportReadLsn1733100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE bulk_export_job ADD COLUMN read_lsn pg_lsn');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE bulk_export_job DROP COLUMN IF EXISTS read_lsn');
  }
}

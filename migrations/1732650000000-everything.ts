import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `npm run reindex` finds the resources indexed by older extraction code through
 * (index_version, rid): one index range per batch, walked in rid order, never a scan of the
 * table (LESSONS.md: HAPI's $reindex set-up query took ~10 minutes until an index fixed it, #3534).
 */
export class Everything1732650000000 implements MigrationInterface {
  name = 'Everything1732650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS resource_index_version_idx ON resource (index_version, rid)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS resource_index_version_idx`);
  }
}

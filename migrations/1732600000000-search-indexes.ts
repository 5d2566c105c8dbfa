import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the search engine's query shapes (checked with EXPLAIN on 1M resources,
 * bench/search-volume.js):
 * - the token and reference lookups get `rid` as their last key column: an equality on the
 *   other columns then yields rids in order, so `Observation?code=x` (default order: rid) is a
 *   merge join that stops after one page instead of sorting every match, and both serve
 *   index-only scans (no heap visit per index row);
 * - `date=ge`/`gt` bound the upper end (`high >= $`), which (resource_type, param, low, high)
 *   cannot range-scan;
 * - `:contains` on strings: a pg_trgm GIN index (the extension ships with PostgreSQL's contrib,
 *   in the embedded build too).
 */
export class SearchIndexes1732600000000 implements MigrationInterface {
  name = 'SearchIndexes1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS sp_token_code_idx`);
    await q.query(`CREATE INDEX sp_token_code_idx ON sp_token (resource_type, param, code, system, rid)`);
    await q.query(`DROP INDEX IF EXISTS sp_reference_target_idx`);
    await q.query(`CREATE INDEX sp_reference_target_idx ON sp_reference (target_id, target_type, resource_type, param, rid)`);
    await q.query(`CREATE INDEX IF NOT EXISTS sp_date_high_idx ON sp_date (resource_type, param, high, low, rid)`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE INDEX IF NOT EXISTS sp_string_norm_trgm_idx ON sp_string USING gin (norm gin_trgm_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS sp_string_norm_trgm_idx`);
    await q.query(`DROP INDEX IF EXISTS sp_date_high_idx`);
    await q.query(`DROP INDEX IF EXISTS sp_reference_target_idx`);
    await q.query(`CREATE INDEX sp_reference_target_idx ON sp_reference (target_id, target_type, resource_type, param)`);
    await q.query(`DROP INDEX IF EXISTS sp_token_code_idx`);
    await q.query(`CREATE INDEX sp_token_code_idx ON sp_token (resource_type, param, code, system)`);
  }
}

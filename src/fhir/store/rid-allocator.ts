import type { Database } from '../../database/database';

/**
 * Hands out `resource.rid` values from blocks taken from the sequence, so a single create
 * costs no extra round trip. Sequences are shared by every instance, so blocks never collide;
 * unused values are gaps, which is fine for a surrogate key.
 */
export class RidAllocator {
  private pool: string[] = [];
  private refill: Promise<void> | undefined;

  constructor(private readonly db: Database, private readonly blockSize = 500) {}

  async take(n: number): Promise<string[]> {
    while (this.pool.length < n) {
      this.refill ??= this.fetch(Math.max(this.blockSize, n - this.pool.length)).finally(() => {
        this.refill = undefined;
      });
      await this.refill;
    }
    return this.pool.splice(0, n);
  }

  private async fetch(n: number): Promise<void> {
    const res = await this.db.query<{ rid: string }>(
      `SELECT nextval(pg_get_serial_sequence('resource', 'rid'))::text AS rid FROM generate_series(1, $1)`,
      [n],
      'kt_alloc_rids',
    );
    this.pool.push(...res.rows.map((r) => r.rid));
  }
}

import type { Database } from '../../database/database';

/**
 * Hands out values of `resource_rid_seq` in blocks, so a single create costs no extra round
 * trip. Sequences are shared by every instance, so blocks never collide; unused values are gaps,
 * which is fine for a surrogate key. A value is not yet a rid: prepareWrite puts the resource's
 * partition key in its top bits (partition-key.ts).
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
      `SELECT nextval('resource_rid_seq')::text AS rid FROM generate_series(1, $1)`,
      [n],
      'kt_alloc_rids',
    );
    this.pool.push(...res.rows.map((r) => r.rid));
  }
}

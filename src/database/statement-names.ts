import { createHash } from 'node:crypto';

/**
 * Names for generated SQL, so PostgreSQL keeps the plan of each query shape instead of planning
 * it on every request (for a search page, planning took longer than running: docs/EXPLAIN.md).
 * A shape is the SQL text; values travel as parameters, so one shape serves every patient, code
 * and date. Each connection prepares a name once, on its first use, and keeps it; PostgreSQL
 * itself chooses per statement between a custom and a generic plan (plan_cache_mode=auto).
 *
 * Shapes are unbounded (any combination of search parameters), prepared statements live as long
 * as the connection, and the pg driver cannot forget one: so only the first `capacity` shapes a
 * process meets get a name; the rest run unnamed, planned each time, as before.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();

  constructor(
    private readonly prefix: string,
    private readonly capacity = 256,
  ) {}

  /** The name of this SQL text, or undefined once the process holds `capacity` shapes. */
  nameOf(text: string): string | undefined {
    const known = this.names.get(text);
    if (known !== undefined || this.names.size >= this.capacity) return known;
    const name = `${this.prefix}_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    this.names.set(text, name);
    return name;
  }

  /** Shapes named so far (a gauge for /metrics and tests). */
  get size(): number {
    return this.names.size;
  }
}

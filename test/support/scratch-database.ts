import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A scratch database `kt_<prefix>_<hex>` on the suite's PostgreSQL server (embedded or DATABASE_URL's),
 * empty (migrate it, or start a server with MIGRATIONS_RUN=true). Dropped by `drop()`.
 */
export async function scratchDatabase(prefix = 'ops'): Promise<ScratchDatabase> {
  const suiteUrl = process.env.KT_TEST_DATABASE_URL;
  if (!suiteUrl) throw new Error('KT_TEST_DATABASE_URL is not set: run through jest (global-setup)');
  const admin = new URL(suiteUrl);
  admin.pathname = '/postgres';
  const name = `kt_${prefix}_${randomBytes(4).toString('hex')}`;
  const c = new Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const url = new URL(suiteUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const d = new Client({ connectionString: admin.toString() });
      await d.connect();
      try {
        await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await d.end();
      }
    },
  };
}

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * Once per run: a real PostgreSQL for the e2e suite. With DATABASE_URL, a scratch database is
 * made on that server (and dropped after); without it, the embedded PostgreSQL starts in a
 * temporary DATA_DIR, exactly as `npm start` would. Migrations run here, once.
 */
export default async function globalSetup(): Promise<void> {
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  let url: string;
  const given = process.env.DATABASE_URL;
  if (given) {
    const name = `kt_test_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: given });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(given);
    u.pathname = `/${name}`;
    url = u.toString();
    (globalThis as Record<string, unknown>).__KT_DROP__ = { admin: given, name };
  } else {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kartoteka-test-'));
    fs.chmodSync(dataDir, 0o755);
    const port = 55000 + Math.floor(Math.random() * 4000);
    const handle = await startEmbeddedPostgres(dataDir, port, quiet as never);
    url = handle.url;
    (globalThis as Record<string, unknown>).__KT_EMBEDDED__ = { handle, dataDir };
  }
  const ds = new DataSource({ type: 'postgres', url, migrations: MIGRATIONS, migrationsTableName: 'typeorm_migrations' });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();
  process.env.KT_TEST_DATABASE_URL = url;
}

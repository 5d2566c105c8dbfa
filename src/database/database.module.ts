import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Pool as PgPool } from 'pg';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { MIGRATIONS } from '../../migrations';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LOGGER } from '../observability/logger';
import { Database, guardPoolClients } from './database';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from './embedded-postgres';

export interface DatabaseHandle {
  dataSource: DataSource;
  database: Database;
  embedded?: EmbeddedPostgresHandle;
}

export const DATABASE_HANDLE = Symbol('DATABASE_HANDLE');

/** An arbitrary constant: the advisory lock that lets one instance at a time run migrations. */
const MIGRATION_LOCK = 0x4b415254;

/** The server aborts a statement after this long; the client-side DB_QUERY_TIMEOUT_MS covers a server that cannot. */
const STATEMENT_TIMEOUT_MS = 60_000;

/**
 * Session settings of every connection. JIT off: the planner's costs for plans over the
 * partitioned tables (a clinician's `$everything`: its access predicate repeated per partition)
 * pass jit_above_cost, and PostgreSQL then compiled 1,130 functions for 2.6 s to run a 7 ms query
 * (measured at 1M resources, docs/EXPLAIN.md). Short OLTP statements never win from JIT.
 */
export const SESSION_OPTIONS = '-c jit=off';

/**
 * pg pool settings for the primary and the replicas. keepAlive lets the kernel notice a peer that
 * vanished without closing the connection; query_timeout bounds a statement on a server that
 * stopped answering (pg then rejects with "Query read timeout", answered 503).
 */
export function poolOptions(config: Pick<AppConfig, 'dbPoolSize' | 'dbConnectTimeoutMs' | 'dbQueryTimeoutMs'>) {
  return {
    max: config.dbPoolSize,
    options: SESSION_OPTIONS,
    connectionTimeoutMillis: config.dbConnectTimeoutMs,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    ...(config.dbQueryTimeoutMs > 0 ? { query_timeout: config.dbQueryTimeoutMs } : {}),
    keepAlive: true,
  };
}

/** Connections for statements that must keep one generic plan (the audit group commit: two in flight, and spare). */
const GENERIC_POOL_SIZE = 4;

export async function openDatabase(config: AppConfig, log: Logger): Promise<DatabaseHandle> {
  let embedded: EmbeddedPostgresHandle | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, log);
    url = embedded.url;
  }
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    logging: false,
    extra: poolOptions(config),
  });
  try {
    await dataSource.initialize();
  } catch (e) {
    await embedded?.stop().catch(() => undefined);
    throw e;
  }
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  // The code only: a connection error's message may quote the server's, never values we sent.
  const lost = (code: string | undefined) => log.warn({ code }, 'database connection lost');
  guardPoolClients(pool, lost);
  if (config.migrationsRun) await runMigrations(dataSource, pool, log);
  const readPools = config.databaseReadUrls.map(
    (u) => new PgPool({ connectionString: u, ...poolOptions(config) }),
  );
  for (const p of readPools) guardPoolClients(p, lost);
  const genericPool = new PgPool({
    connectionString: url,
    ...poolOptions({ ...config, dbPoolSize: GENERIC_POOL_SIZE }),
    options: `${SESSION_OPTIONS} -c plan_cache_mode=force_generic_plan`,
  });
  guardPoolClients(genericPool, lost);
  if (readPools.length) log.info({ replicas: readPools.length }, 'read replicas configured');
  return { dataSource, database: new Database(pool, readPools, genericPool), embedded };
}

export async function runMigrations(dataSource: DataSource, pool: Pool, log: Pick<Logger, 'info'>): Promise<void> {
  // Several instances may start at once against one database (CONTRACT.md, Operations).
  const lockClient = await pool.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length) log.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    lockClient.release();
  }
}

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE_HANDLE) private readonly handle: DatabaseHandle) {}

  static forHandle(handle: DatabaseHandle) {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE_HANDLE, useValue: handle },
        { provide: Database, useValue: handle.database },
      ],
      exports: [DATABASE_HANDLE, Database],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await closeDatabase(this.handle);
  }
}

export async function closeDatabase(handle: DatabaseHandle): Promise<void> {
  await handle.database.close();
  if (handle.dataSource.isInitialized) await handle.dataSource.destroy();
  await handle.embedded?.stop();
}

export { LOGGER };

import { loadConfig } from '../config/config';
import { closeDatabase, openDatabase } from '../database/database.module';
import { createLogger } from '../observability/logger';

/**
 * `npm run migration:run`: applies pending migrations and exits, nothing else (CONTRACT.md,
 * MIGRATIONS_RUN). The same configuration as the server; migrations run whatever MIGRATIONS_RUN says.
 */
async function main(): Promise<void> {
  const config = { ...loadConfig(), migrationsRun: true };
  const log = createLogger(config.logLevel);
  const handle = await openDatabase(config, log);
  try {
    const pending = await handle.dataSource.showMigrations();
    process.stdout.write(pending ? 'migrations: some are still pending\n' : 'migrations: the database is up to date\n');
    if (pending) process.exitCode = 1;
  } finally {
    await closeDatabase(handle);
  }
}

main().catch((e: Error) => {
  process.stderr.write(`migration failed: ${e.message}\n`);
  process.exit(1);
});

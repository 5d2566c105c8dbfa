import { createApp } from './app';
import { loadConfig } from './config/config';
import { FhirRouter } from './fhir/fhir-router';
import { createLogger } from './observability/logger';
import { seedDemoCityIfEmpty } from './operations/seed-demo-city';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const { app, db } = await createApp(config, log);
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}/fhir`;
  if (config.seedDemo) await seedDemoCityIfEmpty(db.database, app.get(FhirRouter), config.publicBaseUrl ? `${config.publicBaseUrl}/fhir` : base, log);
  await app.listen({ port: config.port, host: config.host });
  log.info({ base }, `Kartoteka is listening: ${base}`);

  // SIGTERM: stop accepting, finish in-flight requests and the audit seal (module shutdown hooks),
  // close the pool and the embedded database, exit 0 (CONTRACT.md, Operations).
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000);
    timer.unref();
    app
      .close()
      .then(() => {
        log.info('shutdown complete');
        process.exit(0);
      })
      .catch(() => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: Error) => {
  // Start-up failures name the cause (config, database); no request data exists yet.
  process.stderr.write(`Kartoteka failed to start: ${e.message}\n`);
  process.exit(1);
});

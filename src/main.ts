import { createApp } from './app';
import { loadConfig } from './config/config';
import { createLogger } from './observability/logger';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const { app } = await createApp(config, log);
  await app.listen({ port: config.port, host: config.host });
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}/fhir`;
  log.info({ base }, `Kartoteka is listening: ${base}`);
}

main().catch((e: Error) => {
  // Start-up failures name the cause (config, database); no request data exists yet.
  process.stderr.write(`Kartoteka failed to start: ${e.message}\n`);
  process.exit(1);
});

import { FhirRouter } from '../../src/fhir/fhir-router';
import { seedDemoCityIfEmpty } from '../../src/operations/seed-demo-city';
import { scratchDatabase } from './scratch-database';
import { startTestServer, TestServer } from './test-app';

export interface SeededServer extends TestServer {
  /** The scratch database's URL (dropped on close). */
  databaseUrl: string;
  seeded: boolean;
}

/**
 * A server on a database of its own (created on the test PostgreSQL, migrated at start, dropped
 * on close), with the demo city seeded as `npm start` would: for tests that need a known city.
 */
export async function startSeededServer(opts: { seed?: boolean } = {}): Promise<SeededServer> {
  const db = await scratchDatabase('city');
  const databaseUrl = db.url;
  const s = await startTestServer({ DATABASE_URL: databaseUrl, MIGRATIONS_RUN: 'true' });
  const seeded = opts.seed === false ? false : await seedDemoCityIfEmpty(s.app.db.database, s.app.app.get(FhirRouter), s.base, { info: () => undefined });
  const close = s.close;
  return {
    ...s,
    databaseUrl,
    seeded,
    close: async () => {
      await close();
      await db.drop();
    },
  };
}

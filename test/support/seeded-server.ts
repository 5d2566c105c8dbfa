import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { FhirRouter } from '../../src/fhir/fhir-router';
import { seedDemoCityIfEmpty } from '../../src/operations/seed-demo-city';
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
  const base = process.env.KT_TEST_DATABASE_URL!;
  const name = `kt_city_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const databaseUrl = Object.assign(new URL(base), { pathname: `/${name}` }).toString();
  const s = await startTestServer({ DATABASE_URL: databaseUrl, MIGRATIONS_RUN: 'true' });
  const seeded = opts.seed === false ? false : await seedDemoCityIfEmpty(s.app.db.database, s.app.app.get(FhirRouter), s.base, { info: () => undefined });
  const close = s.close;
  return {
    ...s,
    databaseUrl,
    seeded,
    close: async () => {
      await close();
      const a = new Client({ connectionString: base });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

import { Client } from 'pg';
import request from 'supertest';
import { FhirRouter } from '../../src/fhir/fhir-router';
import { seedDemoCityIfEmpty } from '../../src/operations/seed-demo-city';
import { demoCity } from '../../src/seed/demo-city';
import { ScratchDatabase, scratchDatabase } from '../support/scratch-database';
import { startTestServer, TestServer } from '../support/test-app';

/** A fresh database of its own: migrations at start, then the demo city into the empty store. */
describe('first start on an empty database', () => {
  let db: ScratchDatabase;
  let url: string;
  let s: TestServer;
  const quiet = { info: () => undefined };

  beforeAll(async () => {
    db = await scratchDatabase('seed');
    url = db.url;
    s = await startTestServer({ DATABASE_URL: url, MIGRATIONS_RUN: 'true' });
  });
  afterAll(async () => {
    await s.close();
    await db.drop();
  });

  it('runs the migrations and seeds the demo city once', async () => {
    const router = s.app.app.get(FhirRouter);
    expect(await seedDemoCityIfEmpty(s.app.db.database, router, s.base, quiet)).toBe(true);
    const expected = demoCity().entry!.length;
    const own = new Client({ connectionString: url });
    await own.connect();
    const clinical = `SELECT count(*)::int AS n FROM resource WHERE resource_type NOT IN ('StructureDefinition', 'NamingSystem', 'SearchParameter', 'ValueSet', 'CodeSystem')`;
    const n = await own.query(clinical);
    expect(n.rows[0].n).toBe(expected);
    const byType = await own.query(`SELECT resource_type, count(*)::int AS n FROM resource GROUP BY 1`);
    const types = Object.fromEntries(byType.rows.map((r) => [r.resource_type, r.n]));
    for (const t of ['Organization', 'Practitioner', 'PractitionerRole', 'Location', 'Patient', 'Encounter', 'Observation', 'Condition']) {
      expect(types[t]).toBeGreaterThan(0);
    }
    expect(await seedDemoCityIfEmpty(s.app.db.database, router, s.base, quiet)).toBe(false);
    expect((await own.query(clinical)).rows[0].n).toBe(expected);
    await own.end();
    const patient = await s.api.get('/fhir/Patient/pat-1');
    expect(patient.status).toBe(200);
    expect(JSON.parse(patient.text).managingOrganization.reference).toMatch(/^Organization\//);
  });
});

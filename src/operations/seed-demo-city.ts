import type { Logger } from 'pino';
import type { Database } from '../database/database';
import type { FhirRouter } from '../fhir/fhir-router';
import { demoCity } from '../seed/demo-city';

/**
 * First start of an empty database: a small demo city (polyclinics, practitioners, patients with
 * encounters and records), written through the FHIR router as one transaction Bundle, so it is
 * validated, indexed and hooked (audited) exactly like a clinic's own writes. Its PUTs carry
 * stable ids, so two instances starting together write the same city, not two.
 */
export async function seedDemoCityIfEmpty(db: Database, router: FhirRouter, baseUrl: string, log: Pick<Logger, 'info'>): Promise<boolean> {
  // Empty of clinical data: the conformance resources loaded from fhir-profiles/ do not count.
  const any = await db.query(
    `SELECT 1 FROM resource WHERE resource_type <> ALL($1::text[]) LIMIT 1`,
    [['StructureDefinition', 'NamingSystem', 'SearchParameter', 'ValueSet', 'CodeSystem']],
  );
  if (any.rowCount) return false;
  const bundle = demoCity();
  await router.dispatch(
    {
      requestId: 'seed-demo-city',
      baseUrl,
      clientAddress: '127.0.0.1',
      preferReturn: 'minimal',
      // The server itself, at start: an internal admin, audited as such.
      principal: { sub: 'kartoteka/seed', roles: ['admin'] },
    },
    { method: 'POST', path: [], query: new URLSearchParams(), rawQuery: '', body: bundle, contentType: 'application/fhir+json' },
  );
  log.info({ resources: bundle.entry?.length ?? 0 }, 'seeded the demo city into an empty database');
  return true;
}

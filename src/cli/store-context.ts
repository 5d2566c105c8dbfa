import { createApp } from '../app';
import { loadConfig } from '../config/config';
import type { Database } from '../database/database';
import { FhirHooks } from '../fhir/hooks/fhir-hooks';
import { SearchParameterRegistry } from '../fhir/search/registry/search-parameter-registry';
import { createLogger } from '../observability/logger';

export interface StoreContext {
  db: Database;
  /** The registry as the server has it: R4 definitions plus the profile package's SearchParameters. */
  registry: SearchParameterRegistry;
  /** The write hooks the server's modules registered (derived tables), auditing off. */
  hooks: FhirHooks;
}

/**
 * The engine of the server without its HTTP listener, for the operator CLIs (seed, reindex): the
 * same configuration (loadConfig, openDatabase, migrations), the same search-parameter registry
 * and the same write hooks, so what a CLI writes is what the server would have written. Auditing
 * is off: a bulk load or a reindex is an operator's maintenance, not a clinical interaction.
 */
export async function withStoreContext<T>(opts: { poolSize: number }, fn: (ctx: StoreContext) => Promise<T>): Promise<T> {
  // No client-side statement deadline: a maintenance run's statements (ANALYZE of 10M resources: 90 s)
  // are long on purpose; the server's guard against a frozen database is not an operator's.
  const config = { ...loadConfig(), auditEnabled: false, seedDemo: false, dbPoolSize: opts.poolSize, dbQueryTimeoutMs: 0 };
  // The engine's own start-up logs (migrations, profile package) only when asked for.
  const log = createLogger(['debug', 'trace'].includes(config.logLevel) ? config.logLevel : 'error');
  const { app, db } = await createApp(config, log);
  try {
    return await fn({ db: db.database, registry: app.get(SearchParameterRegistry), hooks: app.get(FhirHooks) });
  } finally {
    await app.close();
  }
}

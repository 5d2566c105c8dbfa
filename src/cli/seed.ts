import type { Resource } from '@medplum/fhirtypes';
import type { Database } from '../database/database';
import { isFhirError } from '../fhir/errors/fhir-error';
import type { FhirHooks, WriteEvent } from '../fhir/hooks/fhir-hooks';
import { extractIndexRows } from '../fhir/search/index/extract-index-rows';
import type { SearchParameterRegistry } from '../fhir/search/registry/search-parameter-registry';
import { copyNewResources, type CopyTarget } from '../fhir/store/copy-writer';
import { FhirJson, prepareWrite } from '../fhir/store/prepare-change';
import { RidAllocator } from '../fhir/store/rid-allocator';
import type { PreparedChange } from '../fhir/store/stored-resource';
import { populationModel, populationPatientId } from '../seed/population';
import { withStoreContext } from './store-context';

export interface SeedOptions {
  patients: number;
  seed: number;
  /** Statements in flight at once, each on its own connection. */
  connections: number;
  /** Resources per statement (whole patients: a patient and its record commit together). */
  batchSize: number;
  heavyEvery?: number;
}

/** What a write needs from the running engine: the registry (with the profile package's parameters) and the hooks. */
export interface SeedDeps {
  db: Database;
  registry: SearchParameterRegistry;
  hooks: FhirHooks;
}

export interface SeedProgress {
  resources: number;
  patients: number;
  skippedPatients: number;
  seconds: number;
}

const ATTEMPTS = 6;
/** Patients looked up for existence at once, before they are generated. */
const LOOKUP_CHUNK = 500;

/**
 * Writes a synthetic population (src/seed/population.ts) straight into the store: the same
 * prepareWrite + extractIndexRows + writeChanges + write-hook path as the server's writes, minus
 * validation. The validator is skipped on purpose: the generator's output is validated by its own
 * tests (src/seed/fhir-validity.spec.ts), and validating a million resources would cost more than
 * writing them. The hooks keep the derived tables (patient_attachment, patient_identity); the CLI
 * runs with auditing off: an operator loading synthetic data is not a clinical interaction.
 *
 * Re-running is safe: a patient whose Patient already exists is skipped with its record (a patient
 * and its record are always in one statement), and so is each existing directory resource, so a
 * larger `--patients` extends an earlier run and an interrupted run resumes.
 */
export async function seedPopulation(
  deps: SeedDeps,
  opts: SeedOptions,
  onProgress: (p: SeedProgress) => void = () => undefined,
): Promise<SeedProgress> {
  const started = Date.now();
  const { db } = deps;
  const model = populationModel({ seed: opts.seed, heavyEvery: opts.heavyEvery });
  const extract = (r: FhirJson) => extractIndexRows(r as Resource, deps.registry);
  const rids = new RidAllocator(db, opts.batchSize);
  const progress: SeedProgress = { resources: 0, patients: 0, skippedPatients: 0, seconds: 0 };
  const inflight = new Set<Promise<void>>();
  let failure: unknown;

  const submit = async (resources: Resource[], patients: number): Promise<void> => {
    while (inflight.size >= opts.connections) await Promise.race(inflight);
    if (failure) throw failure;
    const ridList = await transient(() => rids.take(resources.length));
    const lastUpdated = new Date();
    const changes = resources.map((r, i) =>
      prepareWrite(r as FhirJson, { rid: ridList[i], isNew: true, id: r.id!, versionId: 1, lastUpdated, method: 'PUT' }, extract),
    );
    const p: Promise<void> = write(deps, changes).then(
      () => {
        progress.resources += changes.length;
        progress.patients += patients;
        progress.seconds = (Date.now() - started) / 1000;
        onProgress(progress);
      },
      (e) => {
        failure ??= e;
      },
    );
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  const directory = await transient(() => missing(db, model.directory));
  if (directory.length) await submit(directory, 0);

  let pending: Resource[] = [];
  let pendingPatients = 0;
  for (let first = 0; first < opts.patients; first += LOOKUP_CHUNK) {
    const last = Math.min(opts.patients, first + LOOKUP_CHUNK);
    const ids = Array.from({ length: last - first }, (_, k) => populationPatientId(opts.seed, first + k));
    const existing = await transient(() => existingIds(db, 'Patient', ids));
    for (let n = first; n < last; n++) {
      if (existing.has(populationPatientId(opts.seed, n))) {
        progress.skippedPatients++;
        continue;
      }
      for (const r of model.patient(n)) pending.push(r);
      pendingPatients++;
      if (pending.length >= opts.batchSize) {
        await submit(pending, pendingPatients);
        pending = [];
        pendingPatients = 0;
      }
    }
  }
  if (pending.length) await submit(pending, pendingPatients);
  await Promise.all(inflight);
  if (failure) throw failure;
  progress.seconds = (Date.now() - started) / 1000;
  return progress;
}

const SEED_CONTEXT = { requestId: 'seed', baseUrl: '' };

/**
 * One transaction per batch, with the write hooks inside it as for any write. The rows are the
 * ones writeChanges() would insert (batchRows() decides them for both), moved with COPY. Losing
 * the last seed batches in a crash is harmless (the next run writes them), so commits do not wait
 * for the WAL flush.
 */
function write(deps: SeedDeps, changes: PreparedChange[]): Promise<void> {
  const event: WriteEvent = { ctx: SEED_CONTEXT, interaction: 'create', changes };
  return transient(() =>
    deps.db.transaction(async (tx) => {
      await tx.query('SET LOCAL synchronous_commit = off');
      await deps.hooks.beforeWrite(tx, event);
      // Database.transaction hands fn its pg PoolClient, which runs COPY.
      await copyNewResources(tx as unknown as CopyTarget, changes);
      await deps.hooks.wrote(tx, event);
    }, 1),
  );
}

/**
 * Retries what failed because the database could not be reached in time (503: no connection
 * within the pool's timeout, as on a machine whose cores are busy with other work); everything
 * the seed does is a read or a whole transaction, so repeating it is safe.
 */
async function transient<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!(isFhirError(e) && e.status === 503) || attempt >= ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  }
}

async function existingIds(db: Database, resourceType: string, ids: string[]): Promise<Set<string>> {
  const res = await db.query<{ id: string }>('SELECT id FROM resource WHERE resource_type = $1 AND id = ANY($2::text[])', [resourceType, ids]);
  return new Set(res.rows.map((r) => r.id));
}

async function missing(db: Database, resources: Resource[]): Promise<Resource[]> {
  const res = await db.query<{ key: string }>(
    `SELECT resource_type || '/' || id AS key FROM resource
      WHERE (resource_type, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [resources.map((r) => r.resourceType), resources.map((r) => r.id)],
  );
  const have = new Set(res.rows.map((r) => r.key));
  return resources.filter((r) => !have.has(`${r.resourceType}/${r.id}`));
}

export function parseSeedArgs(argv: string[]): SeedOptions {
  const opts: SeedOptions = { patients: NaN, seed: 1, connections: 3, batchSize: 3000 };
  const names: Record<string, keyof SeedOptions> = {
    '--patients': 'patients', '--seed': 'seed', '--connections': 'connections', '--batch': 'batchSize', '--heavy-every': 'heavyEvery',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const key = names[flag];
    if (!key) throw new Error(`unknown argument ${flag}; use --patients N [--seed S] [--connections C] [--batch B] [--heavy-every K]`);
    const raw = inline ?? argv[++i];
    if (!/^\d{1,9}$/.test(raw ?? '')) throw new Error(`${flag} takes a non-negative integer`);
    opts[key] = Number(raw);
  }
  if (!Number.isInteger(opts.patients)) throw new Error('--patients N is required');
  if (opts.connections < 1 || opts.batchSize < 1) throw new Error('--connections and --batch must be at least 1');
  return opts;
}

async function main(): Promise<void> {
  const opts = parseSeedArgs(process.argv.slice(2));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  await withStoreContext({ poolSize: opts.connections * 2 + 2 }, async (deps) => {
    out(`seeding ${opts.patients} patients (seed ${opts.seed}), ${opts.batchSize} resources per statement over ${opts.connections} connections`);
    let lastPrint = 0;
    const done = await seedPopulation(deps, opts, (p) => {
      if (p.seconds - lastPrint < 2) return;
      lastPrint = p.seconds;
      out(`  ${p.resources} resources, ${p.patients} patients, ${Math.round(p.resources / p.seconds)} resources/s`);
    });
    const rate = done.seconds > 0 ? Math.round(done.resources / done.seconds) : 0;
    out(
      `wrote ${done.resources} resources (${done.patients} patients; ${done.skippedPatients} already present) ` +
        `in ${done.seconds.toFixed(1)} s: ${rate} resources/s`,
    );
    const t = Date.now();
    // Fresh statistics, so the planner sees the new volume before the first search. Without the
    // pool's statement_timeout: at 10M resources ANALYZE takes about 90 s.
    const c = await deps.db.pool.connect();
    try {
      await c.query('SET statement_timeout = 0');
      await c.query('ANALYZE');
      await c.query('RESET statement_timeout');
    } catch (e) {
      c.release(e as Error);
      throw e;
    }
    c.release();
    out(`ANALYZE in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  });
}

if (require.main === module) {
  main().catch((e: Error) => {
    process.stderr.write(`seed failed: ${e.message}\n`);
    process.exit(1);
  });
}

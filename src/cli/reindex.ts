import type { StoredRow } from '../fhir/store/resource-store';
import type { Resource } from '@medplum/fhirtypes';
import { maintainAttachments } from '../access/attachment.hook';
import type { Database, Queryable } from '../database/database';
import { extractIndexRows } from '../fhir/search/index/extract-index-rows';
import type { IndexRows } from '../fhir/search/index/index-rows';
import type { SearchParameterRegistry } from '../fhir/search/registry/search-parameter-registry';
import type { PreparedChange } from '../fhir/store/stored-resource';
import { withStoreContext } from './store-context';

/**
 * The version of the index-extraction code (search parameters, extractors, compartments). Bump it
 * when any of them changes what a resource indexes; `npm run reindex` then rebuilds the index rows
 * of every resource stamped with an older version (Medplum's `__version`, LESSONS.md).
 */
export const INDEX_VERSION = 1;

export interface ReindexOptions {
  /** Every current resource, whatever its stamp. */
  all: boolean;
  batchSize: number;
  /** Resume a walk after this rid. */
  afterRid?: string;
}

export interface ReindexProgress {
  resources: number;
  lastRid?: string;
  seconds: number;
}

/** Reindex reads live rows only, so content is never null. */
type Row = StoredRow & { content: string };

/**
 * Deletes a batch's index rows and inserts the new ones in one statement (as the batch writer
 * does: every CTE sees one snapshot), and stamps the batch with INDEX_VERSION.
 */
const TABLES: { table: string; columns: string[]; types: string[]; rows: (ix: IndexRows) => unknown[][] }[] = [
  { table: 'sp_token', columns: ['param', 'system', 'code', 'text'], types: ['text', 'text', 'text', 'text'], rows: (ix) => ix.token.map((r) => [r.param, r.system, r.code, r.text]) },
  { table: 'sp_string', columns: ['param', 'norm', 'exact'], types: ['text', 'text', 'text'], rows: (ix) => ix.string.map((r) => [r.param, r.norm, r.exact]) },
  {
    table: 'sp_date', columns: ['param', 'low', 'high'], types: ['text', 'timestamptz', 'timestamptz'],
    rows: (ix) => ix.date.map((r) => [r.param, r.low ? r.low.toISOString() : '-infinity', r.high ? r.high.toISOString() : 'infinity']),
  },
  {
    table: 'sp_reference', columns: ['param', 'target_type', 'target_id', 'url'], types: ['text', 'text', 'text', 'text'],
    rows: (ix) => ix.reference.map((r) => [r.param, r.targetType, r.targetId, r.url]),
  },
  {
    table: 'sp_quantity', columns: ['param', 'value', 'system', 'code', 'unit'], types: ['text', 'numeric', 'text', 'text', 'text'],
    rows: (ix) => ix.quantity.map((r) => [r.param, String(r.value), r.system, r.code, r.unit]),
  },
  { table: 'sp_number', columns: ['param', 'value'], types: ['text', 'numeric'], rows: (ix) => ix.number.map((r) => [r.param, String(r.value)]) },
  { table: 'sp_uri', columns: ['param', 'value'], types: ['text', 'text'], rows: (ix) => ix.uri.map((r) => [r.param, r.value]) },
];

function reindexSql(): string {
  let n = 2;
  const ctes = ['stamp AS (UPDATE resource SET index_version = $2 WHERE rid = ANY($1::bigint[]))'];
  const tables = [...TABLES.map((t) => ({ table: t.table, columns: ['resource_type', ...t.columns], types: ['text', ...t.types] }))];
  tables.push({ table: 'resource_compartment', columns: ['patient_id', 'resource_type'], types: ['text', 'text'] });
  tables.forEach((t, i) => {
    ctes.push(`d${i} AS (DELETE FROM ${t.table} WHERE rid = ANY($1::bigint[]))`);
    const params = ['bigint', ...t.types].map((type) => `$${++n}::${type}[]`);
    ctes.push(`i${i} AS (INSERT INTO ${t.table} (rid, ${t.columns.join(', ')}) SELECT * FROM unnest(${params.join(', ')}))`);
  });
  return `WITH ${ctes.join(',\n ')}\nSELECT 1`;
}

const REINDEX_SQL = reindexSql();

function reindexParams(rids: string[], changes: PreparedChange[]): unknown[] {
  const values: unknown[] = [rids, INDEX_VERSION];
  for (const t of TABLES) {
    const cols: unknown[][] = Array.from({ length: t.columns.length + 2 }, () => []);
    for (const c of changes) {
      for (const row of t.rows(c.index!)) {
        cols[0].push(c.rid);
        cols[1].push(c.resourceType);
        row.forEach((v, k) => cols[k + 2].push(v));
      }
    }
    values.push(...cols);
  }
  const cmp: unknown[][] = [[], [], []];
  for (const c of changes) {
    for (const p of c.index!.compartments) {
      cmp[0].push(c.rid);
      cmp[1].push(p);
      cmp[2].push(c.resourceType);
    }
  }
  values.push(...cmp);
  return values;
}

/**
 * Rebuilds index rows of current resources whose `index_version` is below INDEX_VERSION (or of
 * all, with `all`), walking rid upwards one batch per transaction, so it is resumable: a
 * committed batch is stamped and not seen again, and `afterRid` restarts a walk where it stopped.
 * The stale rows are found through (index_version, rid), one index range per batch (LESSONS.md on
 * HAPI #3534), never by scanning the table. The batch is locked FOR UPDATE, so a concurrent
 * write of the same resource waits and then indexes its own version; deleted resources are only
 * stamped (they have no index rows).
 */
export async function reindex(
  deps: { db: Database; registry: SearchParameterRegistry },
  opts: ReindexOptions,
  onProgress: (p: ReindexProgress) => void = () => undefined,
): Promise<ReindexProgress> {
  const started = Date.now();
  const progress: ReindexProgress = { resources: 0, lastRid: opts.afterRid, seconds: 0 };
  const versions = opts.all ? [undefined] : await staleVersions(deps.db);
  for (const version of versions) {
    let after = opts.afterRid ?? '0';
    for (;;) {
      const done = await deps.db.transaction(async (tx) => {
        const rows = await nextBatch(tx, version, after, opts.batchSize);
        if (rows.length === 0) return 0;
        await rewrite(tx, deps.registry, rows);
        after = rows[rows.length - 1].rid;
        return rows.length;
      }, 1);
      if (done === 0) break;
      progress.resources += done;
      progress.lastRid = after;
      progress.seconds = (Date.now() - started) / 1000;
      onProgress(progress);
    }
  }
  progress.seconds = (Date.now() - started) / 1000;
  return progress;
}

/** The stamps below INDEX_VERSION that exist, from the ends of the (index_version, rid) index. */
async function staleVersions(db: Database): Promise<number[]> {
  const res = await db.query<{ v: number | null }>('SELECT min(index_version) AS v FROM resource WHERE index_version < $1', [INDEX_VERSION]);
  const min = res.rows[0]?.v;
  if (min === null || min === undefined) return [];
  return Array.from({ length: INDEX_VERSION - min }, (_, k) => min + k);
}

async function nextBatch(tx: Queryable, version: number | undefined, after: string, limit: number): Promise<Row[]> {
  const cols = 'rid::text AS rid, resource_type, id, version_id, last_updated, deleted, content';
  const res =
    version === undefined
      ? await tx.query<Row>({
          name: 'kt_reindex_all',
          text: `SELECT ${cols} FROM resource WHERE rid > $1::bigint ORDER BY rid LIMIT $2 FOR UPDATE`,
          values: [after, limit],
        })
      : await tx.query<Row>({
          name: 'kt_reindex_stale',
          text: `SELECT ${cols} FROM resource WHERE index_version = $1 AND rid > $2::bigint ORDER BY rid LIMIT $3 FOR UPDATE`,
          values: [version, after, limit],
        });
  return res.rows;
}

async function rewrite(tx: Queryable, registry: SearchParameterRegistry, rows: Row[]): Promise<void> {
  const changes: PreparedChange[] = [];
  for (const r of rows) {
    if (r.deleted) continue;
    const resource = JSON.parse(r.content) as Resource;
    changes.push({
      isNew: false, rid: r.rid, resourceType: r.resource_type, id: r.id, versionId: r.version_id, lastUpdated: r.last_updated,
      method: 'PUT', deleted: false, content: r.content, index: extractIndexRows(resource, registry), resource: resource as never,
    });
  }
  await tx.query({ name: 'kt_reindex_write', text: REINDEX_SQL, values: reindexParams(rows.map((r) => r.rid), changes) });
  // patient_attachment is derived from reference index rows: rebuild it with them.
  await maintainAttachments(tx, { ctx: { requestId: 'reindex', baseUrl: '' }, interaction: 'update', changes });
}

export function parseReindexArgs(argv: string[]): ReindexOptions {
  const opts: ReindexOptions = { all: false, batchSize: 1000 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    if (flag === '--all') opts.all = true;
    else if (flag === '--batch' || flag === '--after') {
      const raw = inline ?? argv[++i];
      if (!/^\d{1,18}$/.test(raw ?? '')) throw new Error(`${flag} takes a non-negative integer`);
      if (flag === '--batch') opts.batchSize = Math.max(1, Number(raw));
      else opts.afterRid = raw;
    } else throw new Error(`unknown argument ${flag}; use [--all] [--batch N] [--after RID]`);
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseReindexArgs(process.argv.slice(2));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  await withStoreContext({ poolSize: 2 }, async (deps) => {
    out(`reindexing ${opts.all ? 'every resource' : `resources indexed before version ${INDEX_VERSION}`}, ${opts.batchSize} per batch`);
    let lastPrint = 0;
    const done = await reindex(deps, opts, (p) => {
      if (p.seconds - lastPrint < 2) return;
      lastPrint = p.seconds;
      out(`  ${p.resources} resources, up to rid ${p.lastRid} (resume with --after ${p.lastRid})`);
    });
    const rate = done.seconds > 0 ? Math.round(done.resources / done.seconds) : 0;
    out(`reindexed ${done.resources} resources in ${done.seconds.toFixed(1)} s (${rate}/s)`);
  });
}

if (require.main === module) {
  main().catch((e: Error) => {
    process.stderr.write(`reindex failed: ${e.message}\n`);
    process.exit(1);
  });
}

import type { Queryable } from '../../database/database';
import { LEGACY_RID_END, partitionOfPatient, pkeyOfRid, primaryPatient, ridRange } from './partition-key';
import type { PreparedChange } from './stored-resource';

/**
 * Writes any number of resource versions, their history rows, index rows and compartment rows
 * in ONE statement of data-modifying CTEs: one round trip per Bundle, not one per row. All CTEs
 * see the same snapshot, so deleting a resource's old index rows and inserting its new ones in
 * the same statement is safe. Values travel only as parameters: arrays, except the JSON content
 * columns, which travel as one text each (see joinContent), split by PostgreSQL. A new resource's
 * (resource_type, id) goes into `resource_key`, whose primary key keeps ids unique across the
 * partitions of `resource` (a concurrent create of the same id fails on resource_key_pkey).
 * An update that gives a resource a primary patient of another partition keeps its rid and
 * records (patient, partition) in `resource_moved`, so searches pinned to that patient still
 * look there (search.service.ts).
 */
const SQL = `
WITH
 key AS (
  INSERT INTO resource_key (resource_type, id, rid)
  SELECT * FROM unnest($2::text[], $3::text[], $1::bigint[])
 ),
 ins AS (
  INSERT INTO resource (rid, resource_type, id, version_id, last_updated, deleted, content)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::bool[], string_to_array($7::text, chr(1), ''))
 ),
 upd AS (
  UPDATE resource r SET version_id = u.v, last_updated = u.lu, deleted = u.del, content = coalesce(u.c, r.content)
  FROM unnest($8::bigint[], $9::int[], $10::timestamptz[], $11::bool[], string_to_array($12::text, chr(1), '')) AS u(rid, v, lu, del, c)
  WHERE r.rid = u.rid
 ),
 ver AS (
  INSERT INTO resource_version (rid, version_id, resource_type, id, last_updated, deleted, method, content)
  SELECT * FROM unnest($13::bigint[], $14::int[], $15::text[], $16::text[], $17::timestamptz[], $18::bool[], $19::text[],
    string_to_array($20::text, chr(1), ''))
 ),
 d1 AS (DELETE FROM sp_token WHERE rid = ANY($21::bigint[])),
 d2 AS (DELETE FROM sp_string WHERE rid = ANY($21::bigint[])),
 d3 AS (DELETE FROM sp_date WHERE rid = ANY($21::bigint[])),
 d4 AS (DELETE FROM sp_reference WHERE rid = ANY($21::bigint[])),
 d5 AS (DELETE FROM sp_quantity WHERE rid = ANY($21::bigint[])),
 d6 AS (DELETE FROM sp_number WHERE rid = ANY($21::bigint[])),
 d7 AS (DELETE FROM sp_uri WHERE rid = ANY($21::bigint[])),
 d8 AS (DELETE FROM resource_compartment WHERE rid = ANY($21::bigint[])),
 i1 AS (INSERT INTO sp_token (rid, resource_type, param, system, code, text)
  SELECT * FROM unnest($22::bigint[], $23::text[], $24::text[], $25::text[], $26::text[], $27::text[])),
 i2 AS (INSERT INTO sp_string (rid, resource_type, param, norm, exact)
  SELECT * FROM unnest($28::bigint[], $29::text[], $30::text[], $31::text[], $32::text[])),
 i3 AS (INSERT INTO sp_date (rid, resource_type, param, low, high)
  SELECT * FROM unnest($33::bigint[], $34::text[], $35::text[], $36::timestamptz[], $37::timestamptz[])),
 i4 AS (INSERT INTO sp_reference (rid, resource_type, param, target_type, target_id, url)
  SELECT * FROM unnest($38::bigint[], $39::text[], $40::text[], $41::text[], $42::text[], $43::text[])),
 i5 AS (INSERT INTO sp_quantity (rid, resource_type, param, value, system, code, unit)
  SELECT * FROM unnest($44::bigint[], $45::text[], $46::text[], $47::numeric[], $48::text[], $49::text[], $50::text[])),
 i6 AS (INSERT INTO sp_number (rid, resource_type, param, value)
  SELECT * FROM unnest($51::bigint[], $52::text[], $53::text[], $54::numeric[])),
 i7 AS (INSERT INTO sp_uri (rid, resource_type, param, value)
  SELECT * FROM unnest($55::bigint[], $56::text[], $57::text[], $58::text[])),
 i8 AS (INSERT INTO resource_compartment (rid, patient_id, resource_type)
  SELECT * FROM unnest($59::bigint[], $60::text[], $61::text[])),
 mv AS (INSERT INTO resource_moved (patient_id, pkey)
  SELECT DISTINCT * FROM unnest($62::text[], $63::smallint[]) ON CONFLICT DO NOTHING)
SELECT 1`;

const INFINITY_LOW = '-infinity';
const INFINITY_HIGH = 'infinity';

function columns(n: number): unknown[][] {
  return Array.from({ length: n }, () => []);
}

/**
 * The rows a list of changes writes, table by table, as columns (one array per column, in the
 * column order of the statement above). The one place that decides what a write stores: the
 * batched statement sends these columns as array parameters, and the bulk loader
 * (copy-writer.ts) sends the same rows through COPY.
 */
export interface BatchRows {
  /** resource (rid, resource_type, id, version_id, last_updated, deleted, content) of new resources. */
  ins: unknown[][];
  /** resource (rid, version_id, last_updated, deleted, content) of existing ones. */
  upd: unknown[][];
  /** resource_version (rid, version_id, resource_type, id, last_updated, deleted, method, content). */
  ver: unknown[][];
  /** rids whose old index and compartment rows go. */
  reindex: string[];
  /** sp_token (rid, resource_type, param, system, code, text). */
  tok: unknown[][];
  /** sp_string (rid, resource_type, param, norm, exact). */
  str: unknown[][];
  /** sp_date (rid, resource_type, param, low, high). */
  dat: unknown[][];
  /** sp_reference (rid, resource_type, param, target_type, target_id, url). */
  ref: unknown[][];
  /** sp_quantity (rid, resource_type, param, value, system, code, unit). */
  qty: unknown[][];
  /** sp_number (rid, resource_type, param, value). */
  num: unknown[][];
  /** sp_uri (rid, resource_type, param, value). */
  uri: unknown[][];
  /** resource_compartment (rid, patient_id, resource_type). */
  cmp: unknown[][];
  /** resource_moved (patient_id, pkey): updated resources whose primary patient now hashes elsewhere. */
  moved: unknown[][];
}

export function batchRows(changes: PreparedChange[]): BatchRows {
  const b: BatchRows = {
    ins: columns(7),
    upd: columns(5),
    ver: columns(8),
    reindex: [],
    tok: columns(6),
    str: columns(5),
    dat: columns(5),
    ref: columns(6),
    qty: columns(7),
    num: columns(4),
    uri: columns(4),
    cmp: columns(3),
    moved: columns(2),
  };
  for (const c of changes) {
    const lu = c.lastUpdated.toISOString();
    if (c.isNew) {
      push(b.ins, c.rid, c.resourceType, c.id, c.versionId, lu, c.deleted, c.content ?? '{}');
    } else {
      push(b.upd, c.rid, c.versionId, lu, c.deleted, c.content);
      b.reindex.push(c.rid);
    }
    push(b.ver, c.rid, c.versionId, c.resourceType, c.id, lu, c.deleted, c.method, c.deleted ? null : c.content);
    const ix = c.index;
    if (!ix) continue;
    const t = c.resourceType;
    for (const r of ix.token) push(b.tok, c.rid, t, r.param, r.system, r.code, r.text);
    for (const r of ix.string) push(b.str, c.rid, t, r.param, r.norm, r.exact);
    for (const r of ix.date)
      push(b.dat, c.rid, t, r.param, r.low ? r.low.toISOString() : INFINITY_LOW, r.high ? r.high.toISOString() : INFINITY_HIGH);
    for (const r of ix.reference) push(b.ref, c.rid, t, r.param, r.targetType, r.targetId, r.url);
    for (const r of ix.quantity) push(b.qty, c.rid, t, r.param, String(r.value), r.system, r.code, r.unit);
    for (const r of ix.number) push(b.num, c.rid, t, r.param, String(r.value));
    for (const r of ix.uri) push(b.uri, c.rid, t, r.param, r.value);
    for (const p of ix.compartments) push(b.cmp, c.rid, p, t);
    if (!c.isNew) {
      // An update may give the resource another primary patient; its rid (and partition) stays.
      const home = pkeyOfRid(c.rid);
      const primary = primaryPatient(t, c.id, ix);
      if (home !== undefined && primary !== undefined && partitionOfPatient(primary) !== home) push(b.moved, primary, home);
    }
  }
  return b;
}

export function buildBatchParams(changes: PreparedChange[]): unknown[] {
  const b = batchRows(changes);
  const ins = [...b.ins.slice(0, 6), joinContent(b.ins[6] as string[])];
  const upd = [...b.upd.slice(0, 4), joinContent(b.upd[4] as (string | null)[])];
  const ver = [...b.ver.slice(0, 7), joinContent(b.ver[7] as (string | null)[])];
  return [...ins, ...upd, ...ver, b.reindex, ...b.tok, ...b.str, ...b.dat, ...b.ref, ...b.qty, ...b.num, ...b.uri, ...b.cmp, ...b.moved];
}

/** Separates the contents in one text parameter; JSON text never holds a raw control character (RFC 8259 §7). */
const CONTENT_SEPARATOR = '\u0001';

/**
 * A content column as one text, split again by `string_to_array(text, chr(1), '')`: sending the
 * JSON as a text[] literal made pg escape every quote in it and PostgreSQL parse the escapes back,
 * most of the cost of sending a batch. NULL travels as the empty string, never a resource's JSON.
 * (One NULL alone joins to '', which splits to an empty array; unnest pads it with NULL, the same.)
 */
export function joinContent(contents: readonly (string | null)[]): string {
  for (const c of contents) {
    if (c === '' || c?.includes(CONTENT_SEPARATOR)) throw new Error('resource content must be non-empty JSON text');
  }
  return contents.map((c) => c ?? '').join(CONTENT_SEPARATOR);
}

function push(cols: unknown[][], ...values: unknown[]): void {
  for (let i = 0; i < values.length; i++) cols[i].push(values[i]);
}

/**
 * In the caller's transaction, which it ends the reading part of: every statement from here on
 * (this one, then the write hooks') looks rows up by rid or key only, so one generic plan per
 * connection is safe, and PostgreSQL would otherwise re-plan this statement over the partitioned
 * tables on every write (2.2 -> 1.4-1.6 ms a single-resource write, measured).
 */
export async function writeChanges(tx: Queryable, changes: PreparedChange[]): Promise<void> {
  if (changes.length === 0) return;
  await tx.query('SET LOCAL plan_cache_mode = force_generic_plan');
  const values = buildBatchParams(changes);
  if (changes.every((c) => c.isNew)) {
    await tx.query({ name: 'kt_write_new', text: NEW_ONLY_SQL, values });
    return;
  }
  // Updates and deletes: their UPDATE and DELETEs bounded to the partitions of the rids they touch.
  const pkeys = [...new Set(changes.filter((c) => !c.isNew).map((c) => pkeyOfRid(c.rid) ?? -1))].sort((a, b) => a - b);
  const text = boundedSql(pkeys);
  // One partition (a single update, most Bundles of one patient): 17 shapes, prepared; any other mix planned once each call.
  await tx.query(pkeys.length === 1 ? { name: `kt_write_p${pkeys[0] < 0 ? 'legacy' : pkeys[0]}`, text, values } : { text, values });
}

const bounded = new Map<string, string>();

/**
 * The statement with literal rid bounds on the UPDATE of `resource` and on each DELETE (pkey -1:
 * the legacy partition): `rid = ANY($array)` prunes nothing, so without them every one of those
 * CTEs initialised, locked and probed the 17 partitions of its table; with literal bounds the
 * planner keeps only the partitions named, also in a generic plan.
 */
export function boundedSql(pkeys: readonly number[]): string {
  const key = pkeys.join(',');
  let text = bounded.get(key);
  if (text === undefined) {
    const range = (col: string) =>
      `(${pkeys.map((k) => (k < 0 ? `${col} < ${LEGACY_RID_END}` : `(${col} >= ${ridRange(k).lo} AND ${col} < ${ridRange(k).hi})`)).join(' OR ')})`;
    text = SQL.replace('  WHERE r.rid = u.rid\n', `  WHERE r.rid = u.rid AND ${range('r.rid')}\n`).replace(
      /(DELETE FROM \w+ WHERE rid = ANY\(\$21::bigint\[\]\))/g,
      `$1 AND ${range('rid')}`,
    );
    if (text === SQL) throw new Error('boundedSql: the statement did not change');
    if (bounded.size < 64) bounded.set(key, text);
  }
  return text;
}

/**
 * The statement for writes that only create (a create, a Bundle of new resources): without the
 * UPDATE of `resource` and the eight DELETEs of old index rows, which have nothing to do for a new
 * rid yet cost the most. `rid = ANY($array)` cannot prune partitions, so each of those CTEs
 * initialised, locked and probed all 17 partitions of its table on every write. Same parameters:
 * the unused ones are only typed, in a CTE nothing reads (PostgreSQL does not run it).
 */
export const NEW_ONLY_SQL = SQL.replace(/\n upd AS \([\s\S]*?\n \),/, '')
  .replace(/\n d\d AS \(DELETE FROM \w+ WHERE rid = ANY\(\$21::bigint\[\]\)\),/g, '')
  .replace('WITH\n', 'WITH\n unused AS (SELECT $8::bigint[], $9::int[], $10::timestamptz[], $11::bool[], $12::text, $21::bigint[]),\n');
if (NEW_ONLY_SQL.includes('UPDATE resource') || NEW_ONLY_SQL.includes('DELETE FROM')) throw new Error('NEW_ONLY_SQL still updates or deletes');


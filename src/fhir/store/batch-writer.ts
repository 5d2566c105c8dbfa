import type { Queryable } from '../../database/database';
import { partitionOfPatient, pkeyOfRid, primaryPatient } from './partition-key';
import type { PreparedChange } from './stored-resource';

/**
 * Writes any number of resource versions, their history rows, index rows and compartment rows
 * in ONE statement of data-modifying CTEs: one round trip per Bundle, not one per row. All CTEs
 * see the same snapshot, so deleting a resource's old index rows and inserting its new ones in
 * the same statement is safe. Values travel only as array parameters. A new resource's
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
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::bool[], $7::text[])
 ),
 upd AS (
  UPDATE resource r SET version_id = u.v, last_updated = u.lu, deleted = u.del, content = coalesce(u.c, r.content)
  FROM unnest($8::bigint[], $9::int[], $10::timestamptz[], $11::bool[], $12::text[]) AS u(rid, v, lu, del, c)
  WHERE r.rid = u.rid
 ),
 ver AS (
  INSERT INTO resource_version (rid, version_id, resource_type, id, last_updated, deleted, method, content)
  SELECT * FROM unnest($13::bigint[], $14::int[], $15::text[], $16::text[], $17::timestamptz[], $18::bool[], $19::text[], $20::text[])
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

export function buildBatchParams(changes: PreparedChange[]): unknown[] {
  const ins = columns(7);
  const upd = columns(5);
  const ver = columns(8);
  const reindex: string[] = [];
  const tok = columns(6);
  const str = columns(5);
  const dat = columns(5);
  const ref = columns(6);
  const qty = columns(7);
  const num = columns(4);
  const uri = columns(4);
  const cmp = columns(3);
  const moved = columns(2);
  for (const c of changes) {
    const lu = c.lastUpdated.toISOString();
    if (c.isNew) {
      push(ins, c.rid, c.resourceType, c.id, c.versionId, lu, c.deleted, c.content ?? '{}');
    } else {
      push(upd, c.rid, c.versionId, lu, c.deleted, c.content);
      reindex.push(c.rid);
    }
    push(ver, c.rid, c.versionId, c.resourceType, c.id, lu, c.deleted, c.method, c.deleted ? null : c.content);
    const ix = c.index;
    if (!ix) continue;
    const t = c.resourceType;
    for (const r of ix.token) push(tok, c.rid, t, r.param, r.system, r.code, r.text);
    for (const r of ix.string) push(str, c.rid, t, r.param, r.norm, r.exact);
    for (const r of ix.date)
      push(dat, c.rid, t, r.param, r.low ? r.low.toISOString() : INFINITY_LOW, r.high ? r.high.toISOString() : INFINITY_HIGH);
    for (const r of ix.reference) push(ref, c.rid, t, r.param, r.targetType, r.targetId, r.url);
    for (const r of ix.quantity) push(qty, c.rid, t, r.param, String(r.value), r.system, r.code, r.unit);
    for (const r of ix.number) push(num, c.rid, t, r.param, String(r.value));
    for (const r of ix.uri) push(uri, c.rid, t, r.param, r.value);
    for (const p of ix.compartments) push(cmp, c.rid, p, t);
    if (!c.isNew) {
      // An update may give the resource another primary patient; its rid (and partition) stays.
      const home = pkeyOfRid(c.rid);
      const primary = primaryPatient(t, c.id, ix);
      if (home !== undefined && primary !== undefined && partitionOfPatient(primary) !== home) push(moved, primary, home);
    }
  }
  return [...ins, ...upd, ...ver, reindex, ...tok, ...str, ...dat, ...ref, ...qty, ...num, ...uri, ...cmp, ...moved];
}

function push(cols: unknown[][], ...values: unknown[]): void {
  for (let i = 0; i < values.length; i++) cols[i].push(values[i]);
}

export async function writeChanges(tx: Queryable, changes: PreparedChange[]): Promise<void> {
  if (changes.length === 0) return;
  await tx.query({ name: 'kt_write_batch', text: SQL, values: buildBatchParams(changes) });
}


import type { Queryable } from '../database/database';
import { AuditRecord, PATIENT_ENTITY_PREFIX, PATIENT_ENTITY_SUFFIX } from './audit-event.builder';

/**
 * Any number of AuditEvents in ONE statement (LESSONS.md: the audit path must batch): the
 * events, the patients whose compartments the touched resources are in (found here, so a read
 * costs no extra round trip), the AuditEvent JSON completed with those patient entities, and
 * the search index rows. Values travel only as parameters: short ones as arrays, the JSON heads
 * (the bulk of the bytes) as ONE text joined by U+001E, which JSON text never holds unescaped, so
 * neither side pays for array-literal quoting of kilobytes of JSON.
 */
export const INSERT_AUDIT_SQL = `
WITH
 ev AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                       string_to_array($8::text, chr(30)), $9::text[], $10::text[], $11::text[])
    WITH ORDINALITY AS ev(id, recorded, type, subtype, action, outcome, purpose, head, open, close, tail, i)
 ),
 pat AS (
  SELECT p.i, p.pid FROM unnest($12::int[], $13::text[]) AS p(i, pid)
  UNION
  SELECT r.i, c.patient_id FROM unnest($14::int[], $15::bigint[]) AS r(i, rid)
    JOIN resource_compartment c ON c.rid = r.rid
  UNION
  SELECT k.i, c.patient_id FROM unnest($16::int[], $17::text[], $18::text[]) AS k(i, type, id)
    JOIN resource x ON x.resource_type = k.type AND x.id = k.id
    JOIN resource_compartment c ON c.rid = x.rid
 ),
 pj AS (
  SELECT i, array_agg(pid ORDER BY pid) AS patients,
         string_agg($19 || to_json('Patient/' || pid)::text || $20, ',' ORDER BY pid) AS json
    FROM pat GROUP BY i
 ),
 ins AS (
  INSERT INTO audit_event (id, recorded, type, subtype, action, outcome, purpose, patients, content)
  SELECT ev.id, ev.recorded, ev.type, ev.subtype, ev.action, ev.outcome,
         CASE WHEN ev.purpose IS NULL THEN NULL ELSE string_to_array(ev.purpose, ' ') END,
         coalesce(pj.patients, '{}'),
         ev.head || coalesce(ev.open || pj.json || ev.close, '') || ev.tail
    FROM ev LEFT JOIN pj ON pj.i = ev.i
   ORDER BY ev.i
  RETURNING seq, id, patients
 ),
 lnk AS (
  INSERT INTO audit_link (ref, kind, seq)
  SELECT l.ref, l.kind, ins.seq
    FROM unnest($21::int[], $22::text[], $23::text[]) AS l(i, kind, ref)
    JOIN ev ON ev.i = l.i JOIN ins ON ins.id = ev.id
  UNION ALL
  SELECT 'Patient/' || p.pid, 'p', ins.seq FROM ins, unnest(ins.patients) AS p(pid)
 )
SELECT count(*)::int AS n FROM ins`;

/** Index of `head` among the event columns; U+001E is escaped wherever JSON.stringify meets it. */
const HEAD = 7;
const RECORD_SEPARATOR = '\u001e';

export function insertAuditParams(records: AuditRecord[]): unknown[] {
  const cols: unknown[][] = Array.from({ length: 11 }, () => []);
  const pat: unknown[][] = [[], []];
  const rid: unknown[][] = [[], []];
  const look: unknown[][] = [[], [], []];
  const lnk: unknown[][] = [[], [], []];
  records.forEach((r, n) => {
    const i = n + 1;
    const values = [r.id, r.recorded.toISOString(), r.type, r.subtype, r.action, r.outcome, r.purpose?.join(' ') ?? null, r.head, r.open, r.close, r.tail];
    values.forEach((v, k) => cols[k].push(v));
    for (const p of r.patients) push(pat, i, p);
    for (const x of r.rids) push(rid, i, x);
    for (const x of r.lookups) push(look, i, x.type, x.id);
    for (const l of r.links) push(lnk, i, l.kind, l.ref);
  });
  const events = cols.map((c, k) => (k === HEAD ? c.join(RECORD_SEPARATOR) : c));
  return [...events, ...pat, ...rid, ...look, PATIENT_ENTITY_PREFIX, PATIENT_ENTITY_SUFFIX, ...lnk];
}

function push(cols: unknown[][], ...values: unknown[]): void {
  values.forEach((v, k) => cols[k].push(v));
}

/** Writes the records in the caller's transaction (a write's own) or as one autocommit statement. */
export async function insertAuditRecords(q: Queryable, records: AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  const known = records.every((r) => r.rids.length === 0 && r.lookups.length === 0);
  await q.query(
    known
      ? { name: 'kt_audit_insert_known', text: INSERT_AUDIT_KNOWN_SQL, values: insertAuditParams(records) }
      : { name: 'kt_audit_insert', text: INSERT_AUDIT_SQL, values: insertAuditParams(records) },
  );
}

/**
 * The same statement for events whose patients are all known already (a write's: its compartments
 * come with the change): without the two branches that resolve patients through the partitioned
 * `resource_compartment` and `resource`, whose 17 partitions each every execution of the generic plan
 * initialised and locked even when those branches had no rows. Same parameters; the unused ones
 * are only typed, in a CTE nothing reads.
 */
export const INSERT_AUDIT_KNOWN_SQL = INSERT_AUDIT_SQL.replace(
  /\n  UNION\n  SELECT r\.i, c\.patient_id FROM unnest\(\$14::int\[\], \$15::bigint\[\]\) AS r\(i, rid\)\n    JOIN resource_compartment c ON c\.rid = r\.rid\n  UNION\n  SELECT k\.i, c\.patient_id FROM unnest\(\$16::int\[\], \$17::text\[\], \$18::text\[\]\) AS k\(i, type, id\)\n    JOIN resource x ON x\.resource_type = k\.type AND x\.id = k\.id\n    JOIN resource_compartment c ON c\.rid = x\.rid/,
  '',
)
  .replace('WITH\n', 'WITH\n unused AS (SELECT $14::int[], $15::bigint[], $16::int[], $17::text[], $18::text[]),\n')
  // UNION made the (event, patient) pairs distinct; alone, the branch does it itself.
  .replace('  SELECT p.i, p.pid FROM unnest($12::int[], $13::text[]) AS p(i, pid)\n', '  SELECT DISTINCT p.i, p.pid FROM unnest($12::int[], $13::text[]) AS p(i, pid)\n');
if (INSERT_AUDIT_KNOWN_SQL.includes('resource_compartment') || !INSERT_AUDIT_KNOWN_SQL.includes('SELECT DISTINCT p.i')) throw new Error('INSERT_AUDIT_KNOWN_SQL still joins the compartment');

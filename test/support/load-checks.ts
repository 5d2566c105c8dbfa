import type { Pool } from 'pg';
import type { LoadResult } from './write-load';

/**
 * What the operations tests check after a load: acknowledged writes against the rows, their
 * AuditEvents, the reads' AuditEvents, and the audit chain (sealed fully, positions contiguous).
 */

/** Acknowledged (ref, version) pairs with no resource_version row; and refs whose current version is older than acknowledged. */
export async function missingWrites(sql: Pool, load: LoadResult): Promise<{ missing: string[]; behind: string[] }> {
  const refs = [...load.acknowledged.keys()];
  const types = refs.map((r) => r.split('/')[0]);
  const ids = refs.map((r) => r.split('/')[1]);
  const versions = await sql.query<{ ref: string; version_id: number }>(
    `SELECT v.resource_type || '/' || v.id AS ref, v.version_id
       FROM resource_version v JOIN unnest($1::text[], $2::text[]) AS k(t, i) ON v.resource_type = k.t AND v.id = k.i`,
    [types, ids],
  );
  const current = await sql.query<{ ref: string; version_id: number }>(
    `SELECT r.resource_type || '/' || r.id AS ref, r.version_id
       FROM resource r JOIN unnest($1::text[], $2::text[]) AS k(t, i) ON r.resource_type = k.t AND r.id = k.i`,
    [types, ids],
  );
  const have = new Set(versions.rows.map((r) => `${r.ref}/_history/${r.version_id}`));
  const cur = new Map(current.rows.map((r) => [r.ref, r.version_id]));
  const missing: string[] = [];
  const behind: string[] = [];
  for (const [ref, list] of load.acknowledged) {
    for (const v of list) if (!have.has(`${ref}/_history/${v}`)) missing.push(`${ref}/_history/${v}`);
    if ((cur.get(ref) ?? 0) < Math.max(...list)) behind.push(ref);
  }
  return { missing, behind };
}

/** Acknowledged writes with no AuditEvent naming `Type/id/_history/v` (a write and its event commit together). */
export async function unauditedWrites(sql: Pool, load: LoadResult): Promise<string[]> {
  const res = await sql.query<{ content: string }>(`SELECT content FROM audit_event WHERE outcome = '0' AND subtype IN ('create', 'update', 'transaction', 'batch')`);
  const audited = new Set<string>();
  for (const r of res.rows) {
    const e = JSON.parse(r.content) as { entity?: { what?: { reference?: string } }[] };
    for (const x of e.entity ?? []) if (x.what?.reference) audited.add(x.what.reference);
  }
  const out: string[] = [];
  for (const [ref, list] of load.acknowledged) for (const v of list) if (!audited.has(`${ref}/_history/${v}`)) out.push(`${ref}/_history/${v}`);
  return out;
}

/** Resources read (200) more often than successful read AuditEvents name them: data served unaudited. */
export async function unauditedReads(sql: Pool, load: LoadResult): Promise<string[]> {
  const res = await sql.query<{ ref: string; n: number }>(
    `SELECT l.ref, count(*)::int AS n FROM audit_link l JOIN audit_event e ON e.seq = l.seq
      WHERE l.kind = 'e' AND e.subtype = 'read' AND e.outcome = '0' GROUP BY l.ref`,
  );
  const audited = new Map(res.rows.map((r) => [r.ref, r.n]));
  return [...load.reads].filter(([ref, n]) => (audited.get(ref) ?? 0) < n).map(([ref, n]) => `${ref}: ${n} reads, ${audited.get(ref) ?? 0} audited`);
}

export interface ChainState {
  events: number;
  sealed: number;
  distinctPos: number;
  distinctSeq: number;
  minPos: number;
  maxPos: number;
}

export async function chainState(sql: Pool): Promise<ChainState> {
  const r = await sql.query<ChainState>(
    `SELECT (SELECT count(*) FROM audit_event)::int AS events, count(*)::int AS sealed,
            count(DISTINCT pos)::int AS "distinctPos", count(DISTINCT seq)::int AS "distinctSeq",
            coalesce(min(pos), 0)::int AS "minPos", coalesce(max(pos), 0)::int AS "maxPos"
       FROM audit_seal`,
  );
  return r.rows[0];
}

/** Waits until every committed AuditEvent is sealed (the sealer runs about once a second). */
export async function waitForSealed(sql: Pool, timeoutMs = 30_000): Promise<ChainState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await chainState(sql);
    if (s.sealed === s.events || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `GET /fhir/AuditEvent/$verify` as an auditor: result, checked, firstInvalid. */
export async function verify(server: string, authorization: string): Promise<{ status: number; result?: boolean; checked?: number; firstInvalid?: string }> {
  const res = await fetch(`${server}/fhir/AuditEvent/$verify`, { headers: { Authorization: authorization }, signal: AbortSignal.timeout(30_000) });
  const body = (await res.json()) as { parameter?: { name: string; valueBoolean?: boolean; valueInteger?: number; valueString?: string }[] };
  const p = (n: string) => body.parameter?.find((x) => x.name === n);
  return { status: res.status, result: p('result')?.valueBoolean, checked: p('checked')?.valueInteger, firstInvalid: p('firstInvalid')?.valueString };
}

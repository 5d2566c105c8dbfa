import type { AccessScope } from '../../access/access-scope';

/** What the Patient compartment references and `$everything` adds (CONTRACT.md). */
export const REFERENCED_TYPES = ['Practitioner', 'Organization', 'Location'] as const;
const referenced = new Set<string>(REFERENCED_TYPES);

export interface EverythingQuery {
  patientId: string;
  /** `_type`: only these resource types; undefined = every type. */
  types?: string[];
  /** `_since`: only resources with lastUpdated at or after it. */
  since?: Date;
  /** Keyset cursor: only rids above it. */
  afterRid?: string;
  /** Rows to fetch (the page size plus one, to know whether a next page exists). */
  limit: number;
  scope?: AccessScope;
}

export interface EverythingSql {
  /** Prepared-statement name: one per SQL shape, never per value. */
  name: string;
  text: string;
  values: unknown[];
}

/**
 * One statement per page, every step an index lookup (FHIR R4 patient-operation-everything):
 *
 * - `pat`: the Patient, if it exists and the caller may see it. The page joins to it, so an
 *   invisible or unknown Patient yields no row at all (404), a visible one at least one row;
 * - `comp`: the Patient's compartment from resource_compartment (patient_id, resource_type, rid),
 *   the rows the caller may see; the Patient itself is in its own compartment;
 * - `refs`: the Practitioners, Organizations and Locations those resources reference, from their
 *   sp_reference rows (by rid) and then resource_key's (resource_type, id), those the caller may see.
 *   Ids go through resource_key (as the Patient in `pat` does), never resource's own (type, id)
 *   index: that one is per partition, so a lookup there probes every partition (docs/SCALING.md).
 *   The access predicate is evaluated once per member here, never again per page row;
 * - the page: members above the cursor in rid order (keyset, so page N costs what page 1 costs,
 *   LESSONS.md on HAPI #3215/#674), filtered by `_type`, `_since` and the access predicate;
 *   only the page's own rows are read from `resource`.
 *
 * rid order is stable under concurrent writes: an update keeps its rid, so a resource is never
 * served twice nor skipped; a resource created while paging appears at most once.
 */
export function everythingSql(q: EverythingQuery): EverythingSql {
  const values: unknown[] = [];
  const bind = (v: unknown) => `$${values.push(v)}`;
  const compTypes = q.types?.filter((t) => !referenced.has(t));
  const refTypes = q.types ? q.types.filter((t) => referenced.has(t)) : [...REFERENCED_TYPES];

  // Parameters are bound in the order they appear in the text.
  const patient = bind(q.patientId);
  const patVisible = q.scope?.predicate('p', bind);
  const compVisible = q.scope?.predicate('s', bind);
  const ctes = [
    `pat AS (SELECT p.rid FROM resource p WHERE p.rid = (SELECT k.rid FROM resource_key k WHERE k.resource_type = 'Patient' AND k.id = ${patient}) AND NOT p.deleted` +
      (patVisible ? ` AND ${patVisible})` : ')'),
    compVisible
      ? `comp AS MATERIALIZED (SELECT c.rid, c.resource_type FROM resource_compartment c JOIN resource s ON s.rid = c.rid` +
        ` WHERE c.patient_id = ${patient} AND EXISTS (SELECT 1 FROM pat) AND ${compVisible})`
      : `comp AS MATERIALIZED (SELECT c.rid, c.resource_type FROM resource_compartment c WHERE c.patient_id = ${patient} AND EXISTS (SELECT 1 FROM pat))`,
  ];
  if (refTypes.length) {
    const typesParam = bind(refTypes);
    const targetVisible = q.scope?.predicate('t', bind);
    const keys =
      `SELECT k.rid FROM resource_key k WHERE (k.resource_type, k.id) IN (` +
      `SELECT x.target_type, x.target_id FROM sp_reference x WHERE x.rid IN (SELECT rid FROM comp) AND x.target_type = ANY(${typesParam}::text[]))`;
    ctes.push(targetVisible ? `refs AS (SELECT t.rid FROM resource t WHERE t.rid IN (${keys}) AND ${targetVisible})` : `refs AS (${keys})`);
  }

  const members: string[] = [];
  if (!compTypes) members.push('SELECT rid FROM comp');
  else if (compTypes.length) members.push(`SELECT rid FROM comp WHERE resource_type = ANY(${bind(compTypes)}::text[])`);
  if (refTypes.length) members.push('SELECT rid FROM refs');
  // `_type` always names at least one type, so members is never empty; keep the SQL valid anyway.
  if (members.length === 0) members.push('SELECT NULL::bigint AS rid WHERE false');
  // Visibility was decided once per member above (comp and refs), not again per page row.
  const rowFilter = ['r.rid = m.rid', 'NOT r.deleted'];
  if (q.since) rowFilter.push(`r.last_updated >= ${bind(q.since)}::timestamptz`);
  const after = q.afterRid !== undefined ? `WHERE m.rid > ${bind(q.afterRid)}::bigint` : '';
  const limit = bind(q.limit);

  // The narrow rid set is sorted first, then rows are fetched by primary key in that order until
  // the page is full: a page costs the compartment's rids plus its own rows, never every row's
  // content (the LIMIT 1 keeps the per-rid lookup from being flattened into a join the planner
  // might turn into a scan of resource_pkey).
  const text = `WITH ${ctes.join(',\n ')}
SELECT e.rid::text AS rid, e.resource_type, e.id, e.content
  FROM pat LEFT JOIN LATERAL (
    SELECT r.rid, r.resource_type, r.id, r.content
      FROM (${members.join(' UNION ')} ORDER BY rid) m
     CROSS JOIN LATERAL (SELECT r.rid, r.resource_type, r.id, r.content FROM resource r WHERE ${rowFilter.join(' AND ')} LIMIT 1) r
     ${after}
     ORDER BY m.rid LIMIT ${limit}) e ON true`;

  const shape = [q.scope?.kind ?? 'all', compTypes ? `c${compTypes.length ? 1 : 0}` : 'c*', `r${refTypes.length ? 1 : 0}`, q.afterRid !== undefined ? 'a' : '', q.since ? 's' : ''];
  return { name: `kt_everything_${shape.join('_')}`, text, values };
}

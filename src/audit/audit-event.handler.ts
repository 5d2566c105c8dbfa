import type { Database } from '../database/database';
import { notFound } from '../fhir/errors/fhir-error';
import type { FhirRequestContext, FhirResponse } from '../fhir/fhir-context';
import type { TypeHandler } from '../fhir/fhir-router';
import type { FhirHooks } from '../fhir/hooks/fhir-hooks';
import { bundleJson } from '../fhir/http/bundle-json';
import { assertId } from '../fhir/interactions/resource-types';
import { AuditReach, auditReach } from './audit-access';
import { compileAuditSearch } from './audit-search';

interface Row {
  seq: string;
  recorded_us?: string;
  id: string;
  content: string;
  patients: string[];
}

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' };

/**
 * AuditEvent read and search, served from the audit log (the router answers 405 to every
 * write). Auditors and admins see the whole log; a patient sees the events naming their own
 * record, with other patients and the query masked out (HAPI's "will see" after "can see").
 * Each read and search is itself audited through the read hook, like any other.
 */
export class AuditEventHandler implements TypeHandler {
  constructor(
    private readonly db: Database,
    private readonly hooks: FhirHooks,
  ) {}

  async read(ctx: FhirRequestContext, id: string): Promise<FhirResponse> {
    const reach = auditReach(ctx.principal);
    assertId(id);
    const r = await this.db.query<Row & { recorded: Date }>(
      'SELECT seq::text AS seq, id, content, patients, recorded FROM audit_event WHERE id = $1',
      [id],
      'kt_audit_read',
    );
    const row = r.rows[0];
    if (!row || (reach.kind === 'patient' && !row.patients.includes(reach.patientId))) {
      throw notFound(`AuditEvent/${id} is not known`);
    }
    await this.hooks.read({
      ctx,
      interaction: 'read',
      resourceType: 'AuditEvent',
      references: [`AuditEvent/${id}`],
      patients: servedPatients(reach, [row]),
    });
    return { status: 200, headers: { ETag: 'W/"1"', 'Last-Modified': row.recorded.toUTCString() }, body: masked(reach, row.content) };
  }

  async search(ctx: FhirRequestContext, params: URLSearchParams): Promise<FhirResponse> {
    const reach = auditReach(ctx.principal);
    const q = compileAuditSearch(params, reach, ctx.preferHandling === 'lenient');
    const total = q.countText ? (await this.db.query<{ n: number }>(q.countText, q.countValues)).rows[0].n : undefined;
    const rows = q.summaryCount ? [] : (await this.db.query<Row>(q.text, q.values)).rows;
    const page = rows.slice(0, q.count);
    await this.hooks.read({
      ctx,
      interaction: 'search-type',
      resourceType: 'AuditEvent',
      references: page.map((r) => `AuditEvent/${r.id}`),
      patients: servedPatients(reach, page),
      query: params.toString(),
    });
    const self = `${ctx.baseUrl}/AuditEvent${params.toString() ? `?${params}` : ''}`;
    const link = [{ relation: 'self', url: self }];
    if (rows.length > q.count && page.length > 0) {
      const next = new URLSearchParams(q.linkParams);
      const last = page[page.length - 1];
      next.set('_cursor', `${last.recorded_us}.${last.seq}`);
      link.push({ relation: 'next', url: `${ctx.baseUrl}/AuditEvent?${next}` });
    }
    return {
      status: 200,
      body: bundleJson({
        type: 'searchset',
        total,
        link,
        entries: page.map((r) => ({
          fullUrl: `${ctx.baseUrl}/AuditEvent/${r.id}`,
          resource: masked(reach, r.content),
          search: { mode: 'match' as const },
        })),
      }),
    };
  }
}

/** Whose data the answer held: for a patient, only their own record is ever served. */
function servedPatients(reach: AuditReach, rows: Row[]): string[] {
  if (reach.kind === 'patient') return [reach.patientId];
  return [...new Set(rows.flatMap((r) => r.patients))];
}

/**
 * What a patient may see of an AuditEvent about them: their own patient entity; the resources
 * touched only when the event is about them alone (a transaction or a search can span several
 * patients); never the query text (it can name other people). The agents stay: "who looked".
 */
export function masked(reach: AuditReach, content: string): string {
  if (reach.kind !== 'patient') return content;
  const e = JSON.parse(content);
  const own = `Patient/${reach.patientId}`;
  type Entity = { what?: { reference?: string }; role?: { code?: string }; query?: string };
  const entity = (e.entity ?? []) as Entity[];
  const isPatient = (x: Entity) => x.role?.code === '1';
  const alone = entity.filter(isPatient).every((x) => x.what?.reference === own);
  const kept = entity.filter((x) => (isPatient(x) ? x.what?.reference === own : alone && x.query === undefined));
  if (kept.length === entity.length) return content;
  e.entity = kept;
  if (kept.length === 0) delete e.entity;
  e.meta = { ...e.meta, tag: [...(e.meta?.tag ?? []), SUBSETTED] };
  return JSON.stringify(e);
}

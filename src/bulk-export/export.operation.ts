import { randomUUID } from 'node:crypto';
import type { Database } from '../database/database';
import { badRequest, forbidden, notFound, outcome, unauthorized } from '../fhir/errors/fhir-error';
import type { FhirRequestContext, FhirResponse } from '../fhir/fhir-context';
import type { FhirRequest } from '../fhir/fhir-request';
import type { FhirHooks } from '../fhir/hooks/fhir-hooks';
import { assertId } from '../fhir/interactions/resource-types';
import type { FhirOperation } from '../fhir/operations/operation';
import type { SearchParameterRegistry } from '../fhir/search/registry/search-parameter-registry';
import type { ExportJobs } from './export-jobs';
import { type ExportLevel, exportTypes, parseExportParams, planExport } from './export-plan';

/** The type the role table is asked about before the handler runs (each type is checked again in it). */
function accessOf(req: FhirRequest): { perm: 'r'; type: string } {
  const types = req.query.get('_type');
  if (types && types.split(',').every((t) => t.trim() === 'AuditEvent')) return { perm: 'r', type: 'AuditEvent' };
  return { perm: 'r', type: 'Patient' };
}

/**
 * Bulk Data Access IG v2 kick-off (export.html#bulk-data-kick-off-request): `[base]/$export`,
 * `[base]/Patient/$export` and `[base]/Group/{id}/$export`. Validates the request, compiles what
 * each type's file will hold (with the caller's access rules, fixed now), queues a job and
 * answers 202 with the status URL in `Content-Location`. Audited as an operation.
 */
export class ExportOperation implements FhirOperation {
  readonly name = 'export';
  readonly definition = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export';
  readonly levels = ['system', 'type', 'instance'] as FhirOperation['levels'];
  readonly types = ['Patient', 'Group'];
  readonly idempotent = true;
  readonly access = accessOf;

  constructor(
    private readonly db: Database,
    private readonly hooks: FhirHooks,
    private readonly registry: SearchParameterRegistry,
    private readonly jobs: ExportJobs,
    private readonly wake: () => void,
  ) {}

  async handle(ctx: FhirRequestContext, req: FhirRequest, target: { type?: string; id?: string }): Promise<FhirResponse> {
    const level = levelOf(target);
    if (!ctx.preferAsync) throw badRequest('$export needs the header Prefer: respond-async');
    if (!ctx.principal) throw unauthorized('A bearer token is required');
    // Break-glass opens one record in an emergency, never a whole population's.
    if (ctx.breakGlassReason) throw forbidden('X-Break-Glass does not apply to $export');
    const query = req.method === 'POST' ? parametersQuery(req) : req.query;
    const params = parseExportParams(query, ctx.preferHandling === 'lenient');
    const types = exportTypes(ctx.principal, level, params);
    const groupRid = level === 'group' ? await this.visibleGroup(ctx, target.id!) : undefined;
    const plan = planExport(types, params, {
      registry: this.registry,
      baseUrl: ctx.baseUrl,
      now: new Date(),
      scope: ctx.accessScope,
      level,
      groupRid,
    });
    const path = target.id ? `${target.type}/${target.id}/$export` : target.type ? `${target.type}/$export` : '$export';
    const request = `${ctx.baseUrl}/${path}${req.rawQuery ? `?${req.rawQuery}` : ''}`;
    // Fail closed: no record of the kick-off, no export.
    await this.hooks.read({ ctx, interaction: 'operation', operation: { name: '$export', definition: this.definition }, resourceType: target.type, references: target.id ? [`${target.type}/${target.id}`] : [], query: req.rawQuery });
    const id = randomUUID();
    await this.jobs.create(id, ctx.principal.sub, request, plan);
    this.wake();
    return {
      status: 202,
      headers: { 'Content-Location': `${ctx.baseUrl}/bulkstatus/${id}` },
      body: outcome('information', 'informational', `Export ${id} is queued`),
    };
  }

  /** The Group must exist and be visible to the caller (else 404, as if unknown). */
  private async visibleGroup(ctx: FhirRequestContext, id: string): Promise<string> {
    assertId(id);
    const values: unknown[] = [id];
    const pred = ctx.accessScope?.predicate('g', (v) => `$${values.push(v)}`);
    const r = await this.db.query<{ rid: string }>(
      `SELECT g.rid::text AS rid FROM resource g WHERE g.resource_type = 'Group' AND g.id = $1 AND NOT g.deleted${pred ? ` AND ${pred}` : ''}`,
      values,
    );
    if (!r.rows[0]) throw notFound(`Group/${id} is not known`);
    return r.rows[0].rid;
  }
}

function levelOf(target: { type?: string; id?: string }): ExportLevel {
  if (!target.type) return 'system';
  if (target.type === 'Patient' && !target.id) return 'patient';
  if (target.type === 'Group' && target.id) return 'group';
  throw notFound('$export is supported at [base], Patient and Group/{id}');
}

/** POST kick-off: a Parameters resource (export.html#post-body); valueX of each parameter as text. */
function parametersQuery(req: FhirRequest): URLSearchParams {
  const out = new URLSearchParams(req.rawQuery);
  const body = req.body as { resourceType?: string; parameter?: Record<string, unknown>[] } | undefined;
  if (!body) return out;
  if (body.resourceType !== 'Parameters') throw badRequest('The $export body must be a Parameters resource');
  for (const p of body.parameter ?? []) {
    const key = Object.keys(p).find((k) => k.startsWith('value'));
    if (typeof p.name !== 'string' || !key || typeof p[key] !== 'string') throw badRequest('$export parameters must have a name and a primitive value');
    out.append(p.name, p[key] as string);
  }
  return out;
}

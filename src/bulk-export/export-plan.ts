import type { AccessScope } from '../access/access-scope';
import { authorize } from '../access/access-policy';
import { assertAuditor } from '../audit/audit-access';
import { badRequest, forbidden } from '../fhir/errors/fhir-error';
import { sanitize } from '../fhir/interactions/resource-types';
import { CompileScope, compileFilter } from '../fhir/search/compile/compile-filter';
import { parseSearch } from '../fhir/search/parse/parse-search';
import type { SearchParameterRegistry } from '../fhir/search/registry/search-parameter-registry';
import { WRITABLE_TYPES } from '../fhir/search/registry/supported-types';
import { And, col, eq, type Expr, Fragment, Or, Raw, toSql, val } from '../fhir/search/sql/sql';
import type { Principal } from '../identity/principal';

export type ExportLevel = 'system' | 'patient' | 'group';

/** Bulk Data v2 kick-off parameters (export.html#query-parameters). */
export interface ExportParams {
  types?: string[];
  since?: Date;
  /** `Type?search` strings, grouped by type (OR'ed within a type). */
  typeFilters: Map<string, URLSearchParams[]>;
}

/** One NDJSON file: its type and the WHERE clause over `resource r` (or the audit log). */
export interface PlannedType {
  type: string;
  text: string;
  values: unknown[];
}

/** What the worker needs, stored with the job (no request context at run time). */
export interface ExportPlan {
  types: PlannedType[];
  /** `_since` for AuditEvent, which is exported exactly as `/audit/export` does. */
  auditSince?: string;
}

const OUTPUT_FORMATS = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);
const KNOWN = new Set(['_outputFormat', '_type', '_since', '_typeFilter', '_format', '_pretty']);
const EXPORTABLE = new Set<string>(WRITABLE_TYPES);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Unsupported parameters are 400 unless the client asked for `Prefer: handling=lenient`. */
export function parseExportParams(query: URLSearchParams, lenient: boolean): ExportParams {
  const out: ExportParams = { typeFilters: new Map() };
  for (const [k, raw] of query) {
    if (!KNOWN.has(k)) {
      if (lenient) continue;
      throw badRequest(`$export does not support the parameter ${sanitize(k)}`);
    }
    if (k === '_outputFormat') {
      if (!OUTPUT_FORMATS.has(raw)) throw badRequest('_outputFormat must be application/fhir+ndjson');
    } else if (k === '_type') {
      const types = raw.split(',').map((t) => t.trim()).filter((t) => t);
      for (const t of types) if (!EXPORTABLE.has(t)) throw badRequest(`_type names an unknown resource type: ${sanitize(t)}`);
      out.types = [...new Set([...(out.types ?? []), ...types])];
    } else if (k === '_since') {
      const v = raw.replace(/ (\d{2}:\d{2})$/, '+$1');
      const d = new Date(v);
      if (!INSTANT.test(v) || Number.isNaN(d.getTime())) throw badRequest('_since must be a FHIR instant (e.g. 2024-01-31T00:00:00Z)');
      out.since = d;
    } else if (k === '_typeFilter') {
      for (const one of raw.split(',')) {
        const q = one.indexOf('?');
        const type = q < 0 ? one : one.slice(0, q);
        if (!EXPORTABLE.has(type) || q < 0) throw badRequest('_typeFilter must be a type and a search, e.g. Observation?code=1234-5');
        const list = out.typeFilters.get(type) ?? [];
        list.push(new URLSearchParams(one.slice(q + 1)));
        out.typeFilters.set(type, list);
      }
    }
  }
  return out;
}

function mayRead(principal: Principal | undefined, type: string): boolean {
  if (!principal) return true;
  try {
    authorize(principal, type, 'r');
    return true;
  } catch {
    return false;
  }
}

/**
 * The types to export: those named by `_type` (each one the caller may read, else 403), or every
 * type the role may read. AuditEvent only when named (auditors and admins, system level): the
 * log grows with every request, including this one.
 */
export function exportTypes(principal: Principal | undefined, level: ExportLevel, p: ExportParams): string[] {
  if (p.types) {
    for (const t of p.types) {
      if (t === 'AuditEvent') {
        if (level !== 'system') throw badRequest('AuditEvent is exported at system level only');
        assertAuditor(principal, 'export AuditEvents');
      } else if (!mayRead(principal, t)) {
        throw forbidden(`The caller's role may not export ${t}`);
      }
    }
    return p.types;
  }
  const types = WRITABLE_TYPES.filter((t) => t !== 'AuditEvent' && mayRead(principal, t));
  if (types.length) return types;
  if (level === 'system' && principal?.roles.includes('auditor')) return ['AuditEvent'];
  throw forbidden('The caller\'s role may not export clinical data');
}

export interface PlanContext {
  registry: SearchParameterRegistry;
  baseUrl: string;
  now: Date;
  scope?: AccessScope;
  level: ExportLevel;
  /** Group-level: the Group's rid, whose `member` references name the patients. */
  groupRid?: string;
}

/** Compiles each type's WHERE clause now, with the caller's access predicate ANDed in. */
export function planExport(types: string[], p: ExportParams, ctx: PlanContext): ExportPlan {
  const plan: ExportPlan = { types: [] };
  for (const type of types) {
    if (type === 'AuditEvent') {
      if (p.typeFilters.has('AuditEvent')) throw badRequest('_typeFilter is not supported for AuditEvent');
      plan.auditSince = p.since?.toISOString();
      plan.types.push({ type, text: '', values: [] });
      continue;
    }
    const parts: Expr[] = [eq(col('r', 'resource_type'), val(type)), new Raw('NOT r.deleted')];
    if (p.since) parts.push(new Fragment((bind) => `r.last_updated >= ${bind(p.since!.toISOString())}::timestamptz`));
    if (ctx.level === 'patient') parts.push(new Raw('EXISTS (SELECT 1 FROM resource_compartment pc WHERE pc.rid = r.rid)'));
    if (ctx.level === 'group') {
      parts.push(
        new Fragment(
          (bind) =>
            `EXISTS (SELECT 1 FROM resource_compartment pc WHERE pc.rid = r.rid AND pc.patient_id IN ` +
            `(SELECT m.target_id FROM sp_reference m WHERE m.rid = ${bind(ctx.groupRid)}::bigint AND m.param = 'member' AND m.target_type = 'Patient'))`,
        ),
      );
    }
    const filters = p.typeFilters.get(type);
    if (filters) parts.push(new Or(filters.map((f) => typeFilter(type, f, ctx))));
    const scope = ctx.scope;
    if (scope) parts.push(new Fragment((bind) => scope.predicate('r', bind) ?? 'true'));
    const sql = toSql(new And(parts));
    plan.types.push({ type, text: sql.text, values: sql.values.map(jsonSafe) });
  }
  return plan;
}

/** One `_typeFilter` through the search engine's own parser and compiler: search parameters only. */
function typeFilter(type: string, params: URLSearchParams, ctx: PlanContext): Expr {
  const req = parseSearch(ctx.registry, type, params, { strict: true, baseUrl: ctx.baseUrl, now: ctx.now });
  if (req.sort.length || req.include.length || req.elements || req.summary || req.total || req.cursor !== undefined || params.has('_count')) {
    throw badRequest('_typeFilter takes search parameters only (no _sort, _include, _elements, _summary, _count)');
  }
  if (req.filters.length === 0) throw badRequest('_typeFilter names no search parameter');
  const scope = new CompileScope(ctx.baseUrl, ctx.now, ctx.scope);
  return new And(req.filters.map((f) => compileFilter(f, { alias: 'r', types: [type] }, scope)));
}

function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  return v;
}

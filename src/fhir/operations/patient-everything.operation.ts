import type { QueryConfig } from 'pg';
import type { Database } from '../../database/database';
import { badRequest, notFound } from '../errors/fhir-error';
import type { FhirRequestContext, FhirResponse } from '../fhir-context';
import type { FhirRequest } from '../fhir-request';
import type { FhirHooks } from '../hooks/fhir-hooks';
import { assertId, sanitize } from '../interactions/resource-types';
import { SUPPORTED_TYPES } from '../search/registry/supported-types';
import type { FhirOperation } from './operation';
import { RAW_TEXT, searchsetBytes } from './patient-everything.bundle';
import { everythingSql, REFERENCED_TYPES } from './patient-everything.query';

export const EVERYTHING_DEFAULT_COUNT = 100;
export const EVERYTHING_MAX_COUNT = 1000;
/** The keyset cursor of `next` links: the last rid served. */
export const EVERYTHING_CURSOR = '_cursor';

const KNOWN = new Set(['_since', '_type', '_count', EVERYTHING_CURSOR, '_format', '_pretty']);
const supported = new Set<string>(SUPPORTED_TYPES);
const referenced = new Set<string>(REFERENCED_TYPES);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** text columns arrive as UTF-8 bytes (RAW_TEXT); rid is null on the row of an empty page. */
interface Row {
  rid: Buffer | null;
  resource_type: Buffer;
  id: Buffer;
  content: Buffer;
}

interface PageRow {
  rid: string;
  type: string;
  id: string;
  content: Buffer;
}

interface EverythingParams {
  count: number;
  types?: string[];
  since?: Date;
  afterRid?: string;
}

/**
 * `GET [base]/Patient/{id}/$everything` (FHIR R4 patient-operation-everything): the Patient's
 * compartment plus the Practitioners, Organizations and Locations it references, as a searchset
 * Bundle of the stored JSON text (never parsed and re-serialised), paged by `next` links.
 * Compartment resources are entries of mode `match`, the referenced directory resources `include`.
 * The caller's access scope is part of the query: an invisible Patient answers 404, as if unknown.
 */
export class PatientEverythingOperation implements FhirOperation {
  readonly name = 'everything';
  readonly definition = 'http://hl7.org/fhir/OperationDefinition/Patient-everything';
  readonly levels = ['instance'] as FhirOperation['levels'];
  readonly types = ['Patient'];
  readonly idempotent = true;

  constructor(private readonly db: Database, private readonly hooks: FhirHooks) {}

  async handle(ctx: FhirRequestContext, req: FhirRequest, target: { id?: string }): Promise<FhirResponse> {
    const id = target.id!;
    assertId(id);
    const p = parseEverythingParams(req.query, ctx.preferHandling === 'strict');
    const sql = everythingSql({ patientId: id, ...p, limit: p.count + 1, scope: ctx.accessScope });
    // Binary result format (pg's `binary`, missing from @types/pg): text columns as UTF-8 bytes.
    const query: QueryConfig & { binary: boolean } = { name: sql.name, text: sql.text, values: sql.values, binary: true, types: RAW_TEXT };
    // Tolerates replica lag (CONTRACT.md): a replica that has the caller's own writes, or the primary.
    const res = await this.db.reader(ctx).query<Row>(query);
    if (res.rows.length === 0) throw notFound(`Patient/${id} is not known`);
    const rows: PageRow[] = [];
    for (const r of res.rows) {
      if (r.rid !== null) rows.push({ rid: r.rid.toString(), type: r.resource_type.toString(), id: r.id.toString(), content: r.content });
    }
    const more = rows.length > p.count;
    const page = more ? rows.slice(0, p.count) : rows;

    await this.hooks.read({
      ctx,
      interaction: 'operation',
      operation: { name: '$everything', definition: this.definition },
      resourceType: 'Patient',
      references: page.map((r) => `${r.type}/${r.id}`),
      rids: page.map((r) => r.rid),
      patients: [id],
      query: req.query.toString(),
    });

    const self = `${ctx.baseUrl}/Patient/${id}/$everything`;
    const link = [{ relation: 'self', url: withQuery(self, req.query) }];
    if (more) {
      const next = new URLSearchParams();
      for (const [k, v] of req.query) if (k !== EVERYTHING_CURSOR && k !== '_count') next.append(k, v);
      next.set('_count', String(p.count));
      next.set(EVERYTHING_CURSOR, page[page.length - 1].rid);
      link.push({ relation: 'next', url: withQuery(self, next) });
    }
    const body = searchsetBytes(
      link,
      page.map((r) => ({ fullUrl: `${ctx.baseUrl}/${r.type}/${r.id}`, resource: r.content, mode: referenced.has(r.type) ? 'include' : 'match' })),
    );
    // The bytes go to the socket as they are: no decode of half a megabyte and encode back.
    return { status: 200, body };
  }
}

export function parseEverythingParams(query: URLSearchParams, strict: boolean): EverythingParams {
  const out: EverythingParams = { count: EVERYTHING_DEFAULT_COUNT };
  for (const [k, v] of query) {
    if (!KNOWN.has(k)) {
      if (strict) throw badRequest(`$everything does not support the parameter ${sanitize(k)}`);
      continue;
    }
    if (k === '_count') {
      if (!/^\d{1,7}$/.test(v) || Number(v) < 1) throw badRequest(`_count must be an integer from 1 to ${EVERYTHING_MAX_COUNT}`);
      out.count = Math.min(Number(v), EVERYTHING_MAX_COUNT);
    } else if (k === '_since') {
      // A `+` offset sent unencoded arrives as a space.
      const raw = v.replace(/ (\d{2}:\d{2})$/, '+$1');
      const d = new Date(raw);
      if (!INSTANT.test(raw) || Number.isNaN(d.getTime())) throw badRequest('_since must be a FHIR instant (e.g. 2024-01-31T00:00:00Z)');
      out.since = out.since && out.since > d ? out.since : d;
    } else if (k === '_type') {
      const types = v.split(',').map((t) => t.trim());
      for (const t of types) if (!supported.has(t)) throw badRequest(`_type names an unknown resource type: ${sanitize(t)}`);
      // Repeated _type parameters add types (R4 patient-operation-everything: 1..* comma lists).
      out.types = [...new Set([...(out.types ?? []), ...types])];
    } else if (k === EVERYTHING_CURSOR) {
      if (!/^\d{1,18}$/.test(v)) throw badRequest(`${EVERYTHING_CURSOR} is not a valid paging cursor`);
      out.afterRid = v;
    }
  }
  return out;
}

function withQuery(url: string, params: URLSearchParams): string {
  const q = params.toString();
  return q ? `${url}?${q}` : url;
}

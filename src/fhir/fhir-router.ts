import type { Operation } from 'fast-json-patch';
import { badRequest, methodNotAllowed, notFound, unsupportedMediaType } from './errors/fhir-error';
import type { FhirRequestContext, FhirResponse } from './fhir-context';
import type { FhirRequest } from './fhir-request';
import type { BundleInteraction } from './interactions/bundle.interaction';
import type { HistoryInteraction } from './interactions/history.interaction';
import type { ResourceInteractions } from './interactions/resource-interactions';
import { assertType } from './interactions/resource-types';
import type { FhirOperation } from './operations/operation';
import { parseETag } from './store/resource-writer';
import type { FhirJson } from './store/prepare-change';

export interface SearchHandler {
  search(ctx: FhirRequestContext, type: string | undefined, params: URLSearchParams): Promise<FhirResponse>;
}

export interface CapabilitiesHandler {
  capabilities(ctx: FhirRequestContext): FhirResponse;
}

type Route = (ctx: FhirRequestContext, req: FhirRequest) => Promise<FhirResponse>;

/**
 * A resource type served by its own module instead of the generic store (AuditEvent: an
 * append-only, hash-chained log). Only read and search; every write answers 405.
 */
export interface TypeHandler {
  read(ctx: FhirRequestContext, id: string): Promise<FhirResponse>;
  search(ctx: FhirRequestContext, params: URLSearchParams): Promise<FhirResponse>;
}

/**
 * Every FHIR route as a small function from a request to a response (Medplum's fhirrouter
 * idea): HTTP and Bundle entries share it, so a batch entry behaves exactly like the request.
 */
export class FhirRouter {
  private readonly operations = new Map<string, FhirOperation>();
  private readonly typeHandlers = new Map<string, TypeHandler>();

  constructor(
    private readonly resources: ResourceInteractions,
    private readonly history: HistoryInteraction,
    private readonly bundles: BundleInteraction,
    private readonly searchHandler: SearchHandler,
    private readonly capabilitiesHandler: CapabilitiesHandler,
  ) {}

  registerOperation(op: FhirOperation): void {
    this.operations.set(op.name, op);
  }

  registerTypeHandler(type: string, handler: TypeHandler): void {
    this.typeHandlers.set(type, handler);
  }

  listOperations(): FhirOperation[] {
    return [...this.operations.values()];
  }

  /** Set by the access layer: throws 403 when the caller may not make this request at all. */
  private authorizer?: (ctx: FhirRequestContext, req: FhirRequest, operation?: FhirOperation) => void;

  setAuthorizer(fn: (ctx: FhirRequestContext, req: FhirRequest, operation?: FhirOperation) => void): void {
    this.authorizer = fn;
  }

  /** Every request and every Bundle entry passes here, so the role table applies to each. */
  authorize(ctx: FhirRequestContext, req: FhirRequest): void {
    if (!this.authorizer) return;
    const opName = req.path.find((p) => p.startsWith('$'));
    this.authorizer(ctx, req, opName ? this.operations.get(opName.slice(1)) : undefined);
  }

  dispatch = async (ctx: FhirRequestContext, req: FhirRequest): Promise<FhirResponse> => {
    this.authorize(ctx, req);
    return this.route(req)(ctx, req);
  };

  private route(req: FhirRequest): Route {
    const p = req.path;
    const m = req.method === 'HEAD' ? 'GET' : req.method;
    const pick = (table: Record<string, Route | undefined>): Route => {
      const r = table[m];
      if (!r) return async () => { throw methodNotAllowed(`${m} is not allowed here`); };
      return r;
    };
    if (p.length === 0) {
      return pick({
        GET: (ctx, r) => this.searchHandler.search(ctx, undefined, r.query),
        POST: (ctx, r) => this.bundles.process(ctx, jsonBody(r)),
      });
    }
    const [a, b, c, d] = p;
    if (p.length === 1 && a === 'metadata') return pick({ GET: async (ctx) => this.capabilitiesHandler.capabilities(ctx) });
    if (p.length === 1 && a === '_history') return pick({ GET: (ctx, r) => this.history.history(ctx, r.query) });
    if (a.startsWith('$')) return this.operation(p.length === 1 ? a : '', 'system', m, {});
    const own = this.typeHandlers.get(a);
    if (own && !(p.length >= 2 && p[p.length - 1].startsWith('$'))) {
      if (p.length === 1) return pick({ GET: (ctx, r) => own.search(ctx, r.query) });
      if (p.length === 2 && b === '_search') return pick({ POST: (ctx, r) => own.search(ctx, mergeFormBody(r)) });
      if (p.length === 2) return pick({ GET: (ctx) => own.read(ctx, b) });
      return async () => {
        throw methodNotAllowed(`${a} does not support this interaction`);
      };
    }
    if (p.length === 1) {
      return pick({
        GET: (ctx, r) => this.searchHandler.search(ctx, a, r.query),
        POST: (ctx, r) => this.resources.create(ctx, a, jsonBody(r), r.ifNoneExist),
        PUT: (ctx, r) =>
          r.rawQuery
            ? this.resources.conditionalUpdate(ctx, a, r.rawQuery, jsonBody(r), parseETag(r.ifMatch))
            : Promise.reject(methodNotAllowed('PUT on a type needs search criteria (conditional update)')),
      });
    }
    if (p.length === 2 && b === '_search') {
      return pick({ POST: (ctx, r) => this.searchHandler.search(ctx, a, mergeFormBody(r)) });
    }
    if (p.length === 2 && b === '_history') return pick({ GET: (ctx, r) => this.history.history(ctx, r.query, a) });
    if (p.length === 2 && b.startsWith('$')) return this.operation(b, 'type', m, { type: a });
    if (p.length === 2) {
      return pick({
        GET: (ctx) => this.resources.read(ctx, a, b),
        PUT: (ctx, r) => this.resources.update(ctx, a, b, jsonBody(r), parseETag(r.ifMatch)),
        PATCH: (ctx, r) => this.resources.patch(ctx, a, b, patchBody(r), parseETag(r.ifMatch)),
        DELETE: (ctx, r) => this.resources.delete(ctx, a, b, parseETag(r.ifMatch)),
      });
    }
    if (p.length === 3 && c === '_history') return pick({ GET: (ctx, r) => this.history.history(ctx, r.query, a, b) });
    if (p.length === 3 && c.startsWith('$')) return this.operation(c, 'instance', m, { type: a, id: b });
    if (p.length === 4 && c === '_history') return pick({ GET: (ctx) => this.resources.vread(ctx, a, b, d) });
    return async () => {
      throw notFound('No FHIR endpoint at this path');
    };
  }

  private operation(name: string, level: 'system' | 'type' | 'instance', method: string, target: { type?: string; id?: string }): Route {
    return async (ctx, req) => {
      if (target.type) assertType(target.type);
      const op = this.operations.get(name.slice(1));
      if (!op || !op.levels.includes(level) || (target.type && op.types && !op.types.includes(target.type))) {
        throw notFound(`Operation ${name.replace(/[^A-Za-z0-9$\-_]/g, '?')} is not supported here`);
      }
      if (method !== 'POST' && !(method === 'GET' && op.idempotent)) throw methodNotAllowed(`${method} is not allowed for ${name}`);
      return op.handle(ctx, req, target);
    };
  }
}

function jsonBody(r: FhirRequest): FhirJson {
  if (r.contentType && r.contentType !== 'application/fhir+json' && r.contentType !== 'application/json') {
    throw unsupportedMediaType('The body must be application/fhir+json');
  }
  const b = r.body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw badRequest('The body must be a FHIR resource (a JSON object)');
  if (typeof (b as FhirJson).resourceType !== 'string') throw badRequest('The body has no resourceType', ['resourceType']);
  return b as FhirJson;
}

function patchBody(r: FhirRequest): Operation[] {
  if (r.contentType !== 'application/json-patch+json') {
    throw unsupportedMediaType('PATCH takes application/json-patch+json (JSON Patch)');
  }
  if (!Array.isArray(r.body)) throw badRequest('A JSON Patch body must be an array of operations');
  return r.body as Operation[];
}

/** POST [type]/_search: parameters from the form body and the URL together (FHIR R4 search.html#3.1.1). */
function mergeFormBody(r: FhirRequest): URLSearchParams {
  const merged = new URLSearchParams(r.rawQuery);
  if (typeof r.body === 'string' && r.body) for (const [k, v] of new URLSearchParams(r.body)) merged.append(k, v);
  return merged;
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, isFhirError } from '../errors/fhir-error';
import type { FhirHooks } from '../hooks/fhir-hooks';
import type { FhirRequestContext, FhirResponse } from '../fhir-context';
import type { FhirRequest } from '../fhir-request';
import type { FhirRouter } from '../fhir-router';
import { assertAcceptable, assertBodyType, isJsonType, mediaType } from './content-negotiation';
import { buildContext } from './request-context';

/** Establishes ctx.principal / ctx.accessScope, or throws 401/403. */
export type RequestGate = (ctx: FhirRequestContext, req: FastifyRequest) => Promise<void>;

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/**
 * HTTP → FhirRequest → router → HTTP. Content negotiation, body parsing and header mapping live
 * here; errors propagate to the exception filter, which answers an OperationOutcome.
 */
export class FhirHttpHandler {
  constructor(
    private readonly router: FhirRouter,
    private readonly hooks: FhirHooks,
    private readonly publicBaseUrl: string | undefined,
  ) {}

  /** Authentication, before anything else is looked at (set by the access layer). */
  private gate?: RequestGate;

  setGate(gate: RequestGate): void {
    this.gate = gate;
  }

  async handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const ctx = buildContext(req, this.publicBaseUrl);
    let path: string[] = [];
    this.hooks.requestStarted();
    try {
      await this.gate?.(ctx, req);
      const fhirReq = parseRequest(req);
      path = fhirReq.path;
      const res = await this.router.dispatch(ctx, fhirReq);
      send(reply, res, req.method === 'HEAD');
    } catch (e) {
      // Refusals and failures are audited too (CONTRACT.md, Audit); the filter then answers. A
      // request refused before its URL was parsed (401) is still recorded against its target.
      // A 5xx (the database unavailable, say) is not held back waiting on an audit log that is
      // most likely unavailable too: its event is written when it can be, best effort as always.
      if (isFhirError(e)) {
        const target = path.length ? path : pathForAudit(req.url);
        const refused = this.hooks.refused({ ctx, method: req.method, path: target, status: e.status, reason: e.message });
        if (e.status < 500) await refused;
        else refused.catch(() => undefined);
      }
      throw e;
    } finally {
      this.hooks.requestEnded();
    }
  }
}

/** The path segments of a URL the request never got to parse, or none when they are malformed. */
function pathForAudit(url: string): string[] {
  try {
    const q = url.indexOf('?');
    return splitPath(q < 0 ? url : url.slice(0, q));
  } catch {
    return [];
  }
}

function parseRequest(req: FastifyRequest): FhirRequest {
  const url = req.url;
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const query = parseQuery(rawQuery);
  assertAcceptable(req.headers.accept, query.get('_format'));
  const contentType = mediaType(req.headers['content-type']);
  const fhirReq: FhirRequest = {
    method: req.method,
    path: splitPath(rawPath),
    query,
    rawQuery,
    contentType,
    ifMatch: header(req, 'if-match'),
    ifNoneExist: header(req, 'if-none-exist'),
    ifNoneMatch: header(req, 'if-none-match'),
    ifModifiedSince: header(req, 'if-modified-since'),
  };
  if (typeof req.body === 'string' && req.body.length > 0) {
    assertBodyType(contentType);
    fhirReq.body = isJsonType(contentType) || !contentType ? parseJson(req.body) : req.body;
  }
  return fhirReq;
}

export function send(reply: FastifyReply, res: FhirResponse, head = false): void {
  reply.status(res.status);
  if (res.headers) for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) reply.header(k, v);
  if (res.body === undefined || head) {
    reply.send();
    return;
  }
  reply.header('Content-Type', FHIR_JSON);
  reply.send(typeof res.body === 'string' || Buffer.isBuffer(res.body) ? res.body : JSON.stringify(res.body));
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `/fhir/Patient/1` → ['Patient', '1'], each segment percent-decoded (400 when broken). */
function splitPath(rawPath: string): string[] {
  const i = rawPath.indexOf('/fhir');
  const rest = rawPath.slice(i + 5);
  const segments = rest.split('/').filter((s) => s.length > 0);
  return segments.map((raw) => {
    const decoded = decode(raw, 'The URL path has broken percent-encoding');
    // An encoded `$` must not turn an id into an operation name; no FHIR segment needs escaping.
    if (decoded.startsWith('$') && !raw.startsWith('$')) throw badRequest('The resource id must match [A-Za-z0-9-.]{1,64}');
    return decoded;
  });
}

/**
 * URLSearchParams silently turns broken escapes into U+FFFD; a search on a mangled value would
 * answer for something the client never asked, so broken encoding is 400 (CONTRACT.md).
 */
function parseQuery(rawQuery: string): URLSearchParams {
  if (rawQuery) {
    for (const part of rawQuery.split('&')) {
      for (const piece of part.split('=')) decode(piece.replace(/\+/g, ' '), 'The query string has broken percent-encoding');
    }
  }
  return new URLSearchParams(rawQuery);
}

function decode(raw: string, message: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw badRequest(message);
  }
  // PostgreSQL text cannot hold NUL; no FHIR value contains one.
  if (decoded.includes('\u0000')) throw badRequest('The URL contains a NUL character');
  return decoded;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Never echo the body: it may hold PHI.
    throw badRequest('The body is not valid JSON');
  }
}

import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { FhirError, outcome, IssueType } from '../errors/fhir-error';
import { FHIR_JSON } from './fhir-http.handler';

const CODE_BY_STATUS: Record<number, IssueType> = {
  400: 'invalid', 401: 'login', 403: 'forbidden', 404: 'not-found', 405: 'not-supported',
  406: 'not-supported', 409: 'conflict', 410: 'deleted', 412: 'conflict', 413: 'too-costly',
  414: 'too-costly', 415: 'not-supported', 422: 'processing', 429: 'throttled', 431: 'too-costly',
  503: 'transient', 504: 'timeout',
};

/** Fastify's own errors (body too large, bad content type, ...) carry a statusCode and a code. */
const FASTIFY_TEXT: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than the server accepts',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The body is empty',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_BAD_URL: 'The URL is malformed',
};

export function toFhirError(e: unknown): FhirError {
  if (e instanceof FhirError) return e;
  if (e instanceof HttpException) {
    const status = e.getStatus();
    const text = status === 404 ? 'No endpoint at this path' : status >= 500 ? 'Internal server error' : 'The request was refused';
    return new FhirError(status, outcome('error', CODE_BY_STATUS[status] ?? 'processing', text));
  }
  const err = e as { statusCode?: number; code?: string };
  if (typeof err?.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    const text = (err.code && FASTIFY_TEXT[err.code]) || 'The request is malformed';
    return new FhirError(err.statusCode, outcome('error', CODE_BY_STATUS[err.statusCode] ?? 'invalid', text));
  }
  return new FhirError(500, outcome('fatal', 'exception', 'Internal server error'));
}

/** Every error, from any layer, leaves as an OperationOutcome; never a stack trace, never PHI. */
@Catch()
export class OperationOutcomeFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const req = http.getRequest<FastifyRequest>();
    const fe = toFhirError(exception);
    if (fe.status === 503) {
      // Expected while the database or the audit log is away (a fault that is logged once where it is
      // seen, e.g. 'database connection lost'): one line per request, no stack, below error level.
      this.log.warn({ reqId: req?.id, status: 503 }, 'request answered 503: a dependency is unavailable');
    } else if (fe.status >= 500) {
      const e = exception as { name?: string; code?: string; stack?: string };
      // Stack frames only: error messages (e.g. from the database) can quote values.
      this.log.error(
        { reqId: req?.id, err: { name: e?.name, code: e?.code, stack: e?.stack?.split('\n').slice(1, 8).join('\n') } },
        'request failed',
      );
    }
    for (const [k, v] of Object.entries(fe.headers)) reply.header(k, v);
    if (fe.status === 401 && !reply.getHeader('WWW-Authenticate')) reply.header('WWW-Authenticate', 'Bearer');
    reply.status(fe.status).header('Content-Type', FHIR_JSON).send(JSON.stringify(fe.outcome));
  }
}

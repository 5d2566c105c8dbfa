import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import type { AppConfig } from './config/config';
import { closeDatabase, DatabaseHandle, openDatabase } from './database/database.module';
import { outcome } from './fhir/errors/fhir-error';
import { OperationOutcomeFilter, toFhirError } from './fhir/http/operation-outcome.filter';
import { PinoNestLogger } from './observability/nest-logger';
import { interactionLabel } from './operations/interaction-label';
import { Metrics } from './operations/metrics';
import { RateLimiter } from './operations/rate-limiter';

const SANE_REQUEST_ID = /^[A-Za-z0-9\-_.:]{1,128}$/;
const MAX_HEADER_BYTES = 64 * 1024;

/** An OperationOutcome written straight to the socket, for errors Node raises before Fastify. */
function rawOutcome(socket: Socket, status: number, reason: string, text: string): void {
  if (!socket.writable) return;
  const body = JSON.stringify(outcome('error', status === 431 ? 'too-costly' : 'invalid', text));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/fhir+json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function fastifyAdapter(config: AppConfig, log: Logger): FastifyAdapter {
  return new FastifyAdapter({
    loggerInstance: log,
    disableRequestLogging: true,
    bodyLimit: config.bodyLimit,
    // Behind a load balancer, the client's own address (audited, rate limited) is in X-Forwarded-For.
    trustProxy: config.trustProxy,
    genReqId: (req: http.IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    },
    serverFactory: (handler: http.RequestListener) => http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, handler),
    // Errors raised before routing answer an OperationOutcome too (CONTRACT.md, FHIR endpoint).
    frameworkErrors: (error: Error, req: FastifyRequest, reply: FastifyReply) => {
      const fe = toFhirError(error);
      reply.status(fe.status).header('X-Request-Id', String(req.id)).header('Content-Type', 'application/fhir+json; charset=utf-8').send(JSON.stringify(fe.outcome));
    },
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => {
      if (err.code === 'HPE_HEADER_OVERFLOW') return rawOutcome(socket, 431, 'Request Header Fields Too Large', 'The request headers are too large');
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return socket.destroy();
      rawOutcome(socket, 400, 'Bad Request', 'The request is malformed');
    },
  });
}

/** Raw bodies for every content type: the FHIR layer decides 415 vs 400, with an OperationOutcome. */
function configureFastify(fastify: FastifyInstance, config: AppConfig, log: Logger, metrics: Metrics): void {
  const limiter = config.rateLimitPerSecond > 0 ? new RateLimiter(config.rateLimitPerSecond, Math.max(1, config.rateLimitBurst || config.rateLimitPerSecond)) : undefined;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'string', bodyLimit: config.bodyLimit }, (_req, body, done) => done(null, body));
  fastify.addHook('onRequest', async (req, reply) => {
    reply.header('X-Request-Id', String(req.id));
    if (req.url.length > config.maxUrlLength) {
      const body = JSON.stringify(outcome('error', 'too-costly', 'The request URL is too long'));
      return reply.status(414).header('Content-Type', 'application/fhir+json; charset=utf-8').send(body);
    }
    if (limiter && !/^\/(healthz|readyz|metrics)\b/.test(req.url)) {
      const auth = req.headers.authorization;
      const wait = limiter.take(Array.isArray(auth) ? auth[0] : auth, req.ip);
      if (wait > 0) {
        const body = JSON.stringify(outcome('error', 'throttled', 'Too many requests; retry later'));
        return reply.status(429).header('Retry-After', String(wait)).header('Content-Type', 'application/fhir+json; charset=utf-8').send(body);
      }
    }
  });
  fastify.addHook('onResponse', async (req, reply) => {
    // Path without the query: query strings can carry names and identifiers (PHI).
    const path = req.url.split('?', 1)[0].slice(0, 200);
    log.info({ reqId: req.id, method: req.method, path, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    metrics.observe(interactionLabel(req.method, req.url), reply.statusCode, reply.elapsedTime / 1000);
  });
}

export interface App {
  app: NestFastifyApplication;
  db: DatabaseHandle;
}

export async function createApp(config: AppConfig, log: Logger): Promise<App> {
  const db = await openDatabase(config, log);
  try {
    const metrics = new Metrics(db.database.pool);
    const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, log, db, metrics), fastifyAdapter(config, log), {
      logger: new PinoNestLogger(log),
      // Our own '*' parser keeps every body as text: the FHIR layer answers 400/415 itself.
      bodyParser: false,
    });
    configureFastify(app.getHttpAdapter().getInstance(), config, log, metrics);
    app.useGlobalFilters(new OperationOutcomeFilter(log));
    await app.init();
    return { app, db };
  } catch (e) {
    await closeDatabase(db).catch(() => undefined);
    throw e;
  }
}

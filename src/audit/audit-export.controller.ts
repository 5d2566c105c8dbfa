import { Readable } from 'node:stream';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../database/database';
import { isFhirError } from '../fhir/errors/fhir-error';
import type { FhirRequestContext } from '../fhir/fhir-context';
import { buildContext } from '../fhir/http/request-context';
import type { Principal } from '../identity/principal';
import { assertAuditor } from './audit-access';
import { outcomeOf } from './audit-codes';
import { AuditFacts, buildAuditRecord } from './audit-event.builder';
import { CONTENT_TYPES, exportChunks, parseExportRequest } from './audit-export';
import type { AuditWriter } from './audit-writer';

/** Who is calling (the identity layer's token verification); throws 401. */
export type Authenticate = (authorization: string | undefined) => Promise<Principal>;

export const AUDIT_EXPORT = Symbol('AUDIT_EXPORT');

/**
 * `GET /audit/export` (CONTRACT.md, Audit): the log between two instants as NDJSON or CSV,
 * streamed from a cursor. The export is audited (DICOM "Export") before the first byte is sent,
 * and refusals are audited too.
 */
export class AuditExport {
  constructor(
    private readonly db: Database,
    private readonly writer: AuditWriter | undefined,
    private readonly authenticate: Authenticate,
    private readonly publicBaseUrl: string | undefined,
  ) {}

  async handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const ctx = buildContext(req, this.publicBaseUrl);
    const rawQuery = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
    try {
      const header = req.headers.authorization;
      ctx.principal = await this.authenticate(Array.isArray(header) ? header[0] : header);
      assertAuditor(ctx.principal, 'export the audit log');
      const request = parseExportRequest(new URLSearchParams(rawQuery));
      // Fail closed: no record of the export, no export.
      await this.audit(ctx, rawQuery, 200);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      reply
        .status(200)
        .header('Content-Type', CONTENT_TYPES[request.format])
        .header('Content-Disposition', `attachment; filename="audit-${stamp}.${request.format}"`)
        .header('Cache-Control', 'no-store');
      // Byte-mode stream with a small high-water mark: a batch is fetched only when the
      // previous one has gone to the socket.
      return reply.send(Readable.from(exportChunks(this.db, request), { objectMode: false, highWaterMark: 64 * 1024 }));
    } catch (e) {
      if (isFhirError(e) && e.status !== 503) await this.audit(ctx, rawQuery, e.status, e.message).catch(() => undefined);
      throw e;
    }
  }

  private async audit(ctx: FhirRequestContext, query: string, status: number, reason?: string): Promise<void> {
    if (!this.writer) return;
    const facts: AuditFacts = {
      ctx,
      type: '110106',
      action: 'R',
      outcome: outcomeOf(status),
      outcomeDesc: reason ? `HTTP ${status}: ${reason}` : undefined,
      entities: [],
      query,
    };
    await this.writer.append(buildAuditRecord(facts));
  }
}

@Controller('audit')
export class AuditExportController {
  constructor(@Inject(AUDIT_EXPORT) private readonly exporter: AuditExport) {}

  @Get('export')
  export(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.exporter.handle(req, reply);
  }
}

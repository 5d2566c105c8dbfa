import * as fs from 'node:fs';
import * as path from 'node:path';
import { Controller, Delete, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FhirError, notFound, outcome } from '../fhir/errors/fhir-error';
import type { FhirRequestContext } from '../fhir/fhir-context';
import type { FhirHooks } from '../fhir/hooks/fhir-hooks';
import { buildContext } from '../fhir/http/request-context';
import type { Principal } from '../identity/principal';
import type { ExportJob, ExportJobs } from './export-jobs';
import { jobDir, removeJobFiles } from './export-worker';

export const BULK_EXPORT = Symbol('BULK_EXPORT');

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FILE = /^[A-Za-z]{1,64}\.ndjson$/;

/**
 * The status and file URLs of Bulk Data v2 (export.html#bulk-data-status-request,
 * #file-request). A job is its requester's: for anyone else it does not exist (404).
 */
export class BulkExportEndpoints {
  constructor(
    private readonly jobs: ExportJobs,
    private readonly hooks: FhirHooks,
    private readonly authenticate: (authorization: string | undefined) => Promise<Principal>,
    private readonly dataDir: string,
    private readonly publicBaseUrl: string | undefined,
  ) {}

  async status(req: FastifyRequest, reply: FastifyReply, id: string): Promise<void> {
    const { ctx } = await this.context(req);
    const job = await this.ownJob(ctx, id);
    if (job.status === 'queued' || job.status === 'in-progress') {
      reply.status(202).header('X-Progress', job.progress ?? job.status).header('Retry-After', '2').send();
      return;
    }
    if (job.status === 'failed') throw new FhirError(500, outcome('error', 'exception', job.error ?? 'The export failed'));
    const manifest = {
      transactionTime: new Date(job.transaction_time).toISOString(),
      request: job.request,
      requiresAccessToken: true,
      output: (job.output ?? []).map((o) => ({ type: o.type, url: `${ctx.baseUrl}/bulkfiles/${job.id}/${o.file}`, count: o.count })),
      error: [],
    };
    reply.status(200).header('Content-Type', 'application/json').header('Cache-Control', 'no-store').send(JSON.stringify(manifest));
  }

  async cancel(req: FastifyRequest, reply: FastifyReply, id: string): Promise<void> {
    const { ctx } = await this.context(req);
    if (!JOB_ID.test(id) || !(await this.jobs.cancel(id, ctx.principal!.sub))) throw notFound('No such export');
    await removeJobFiles(this.dataDir, id);
    reply.status(202).header('Content-Type', 'application/fhir+json').send(JSON.stringify(outcome('information', 'informational', `Export ${id} is cancelled`)));
  }

  async file(req: FastifyRequest, reply: FastifyReply, id: string, name: string): Promise<void> {
    const { ctx } = await this.context(req);
    const job = await this.ownJob(ctx, id);
    const out = job.status === 'completed' && FILE.test(name) ? job.output?.find((o) => o.file === name) : undefined;
    if (!out) throw notFound('No such file');
    const file = path.join(jobDir(this.dataDir, id), out.file);
    const stat = await fs.promises.stat(file).catch(() => undefined);
    if (!stat) throw notFound('No such file');
    // Fail closed: the download is recorded before the first byte.
    await this.hooks.read({ ctx, interaction: 'operation', resourceType: out.type, references: [], query: `bulkfiles/${id}/${out.file}` });
    reply
      .status(200)
      .header('Content-Type', 'application/fhir+ndjson')
      .header('Content-Length', String(stat.size))
      .header('Cache-Control', 'no-store')
      .send(fs.createReadStream(file));
  }

  private async context(req: FastifyRequest): Promise<{ ctx: FhirRequestContext }> {
    const ctx = buildContext(req, this.publicBaseUrl);
    const header = req.headers.authorization;
    ctx.principal = await this.authenticate(Array.isArray(header) ? header[0] : header);
    return { ctx };
  }

  private async ownJob(ctx: FhirRequestContext, id: string): Promise<ExportJob> {
    const job = JOB_ID.test(id) ? await this.jobs.get(id, ctx.principal!.sub) : undefined;
    if (!job) throw notFound('No such export');
    return job;
  }
}

/** Static prefixes, which Fastify prefers to the FHIR controller's `/fhir/*`. */
@Controller('fhir')
export class BulkExportController {
  constructor(@Inject(BULK_EXPORT) private readonly endpoints: BulkExportEndpoints) {}

  @Get('bulkstatus/:id')
  status(@Req() req: FastifyRequest & { params: { id: string } }, @Res() reply: FastifyReply): Promise<void> {
    return this.endpoints.status(req, reply, req.params.id);
  }

  @Delete('bulkstatus/:id')
  cancel(@Req() req: FastifyRequest & { params: { id: string } }, @Res() reply: FastifyReply): Promise<void> {
    return this.endpoints.cancel(req, reply, req.params.id);
  }

  @Get('bulkfiles/:id/:file')
  file(@Req() req: FastifyRequest & { params: { id: string; file: string } }, @Res() reply: FastifyReply): Promise<void> {
    return this.endpoints.file(req, reply, req.params.id, req.params.file);
  }
}

import { Controller, Get, Inject, Module, OnModuleInit, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { FhirModule } from '../fhir/fhir.module';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { Database } from '../database/database';
import { unauthorized } from '../fhir/errors/fhir-error';
import type { FhirRequestContext } from '../fhir/fhir-context';
import type { FhirRequest } from '../fhir/fhir-request';
import { FhirRouter } from '../fhir/fhir-router';
import { FhirHooks } from '../fhir/hooks/fhir-hooks';
import { FhirHttpHandler } from '../fhir/http/fhir-http.handler';
import type { FhirOperation } from '../fhir/operations/operation';
import { TokenVerifier } from '../identity/token-verifier';
import { LOGGER } from '../observability/logger';
import { authorize } from './access-policy';
import type { AccessScope } from './access-scope';
import { maintainAttachments } from './attachment.hook';
import { ClinicianReach } from './clinician-reach';
import { requirementOf } from './request-requirements';
import { ClinicianReachScope, PatientCompartmentScope } from './scopes';
import { smartConfiguration } from './smart-configuration';

/** Paths answered without a token (CONTRACT.md). */
const PUBLIC_PATHS = /^\/fhir\/(metadata|\.well-known\/smart-configuration)\/?(\?|$)/;

@Controller('fhir/.well-known')
class SmartConfigurationController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('smart-configuration')
  get(@Res() reply: FastifyReply): void {
    reply.header('Content-Type', 'application/json').send(JSON.stringify(smartConfiguration(this.config)));
  }
}

/**
 * Who may do what (CONTRACT.md): the token gate before routing, the role table on every
 * request and Bundle entry, and the caller's AccessScope compiled into every query.
 */
@Module({ imports: [FhirModule], controllers: [SmartConfigurationController] })
export class AccessModule implements OnModuleInit {
  constructor(
    @Inject(FhirHttpHandler) private readonly http: FhirHttpHandler,
    @Inject(FhirRouter) private readonly router: FhirRouter,
    @Inject(FhirHooks) private readonly hooks: FhirHooks,
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  async onModuleInit(): Promise<void> {
    const verifier = this.verifier;
    if (verifier.mode === 'dev') {
      this.log.warn('DEV MODE AUTHENTICATION: tokens are signed by a key under DATA_DIR; get one with `npm run token -- --role clinician --user Practitioner/ID`. Never use this in production.');
    }
    const reach = new ClinicianReach(this.db);
    this.http.setGate(async (ctx: FhirRequestContext, req: FastifyRequest) => {
      if (PUBLIC_PATHS.test(req.url)) return;
      const header = req.headers.authorization;
      const principal = await verifier.verify(Array.isArray(header) ? header[0] : header);
      ctx.principal = principal;
      ctx.accessScope = await this.scopeFor(ctx, reach);
    });
    this.router.setAuthorizer((ctx: FhirRequestContext, req: FhirRequest, op?: FhirOperation) => {
      const need = requirementOf(req, op);
      if (!need) return;
      if (!ctx.principal) throw unauthorized('A bearer token is required');
      authorize(ctx.principal, need.type, need.perm);
    });
    this.hooks.onBeforeWrite(async (tx, event) => {
      if (event.ctx.accessScope) await event.ctx.accessScope.assertWritable(tx, event.changes);
    });
    this.hooks.onWrite(maintainAttachments);
  }

  private async scopeFor(ctx: FhirRequestContext, reach: ClinicianReach): Promise<AccessScope | undefined> {
    const p = ctx.principal!;
    if (p.roles.includes('admin') || p.roles.includes('system')) {
      ctx.breakGlassReason = undefined;
      return undefined;
    }
    if (p.roles.includes('clinician') && p.fhirUser?.resourceType === 'Practitioner') {
      // Break-glass: allowed, and marked for the audit (purposeOfUse BTG) through ctx.
      if (ctx.breakGlassReason) return undefined;
      return new ClinicianReachScope(this.db, await reach.keysFor(p.fhirUser.id));
    }
    ctx.breakGlassReason = undefined;
    if (p.roles.includes('patient') && p.fhirUser?.resourceType === 'Patient') {
      return new PatientCompartmentScope(this.db, p.fhirUser.id);
    }
    // An auditor reaches no clinical rows; the role table already refuses their types.
    return new PatientCompartmentScope(this.db, '\u0000none');
  }
}

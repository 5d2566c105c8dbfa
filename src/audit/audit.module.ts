import { BeforeApplicationShutdown, Inject, Module, OnModuleInit, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { Database } from '../database/database';
import { FhirModule } from '../fhir/fhir.module';
import { FhirRouter } from '../fhir/fhir-router';
import { FhirHooks } from '../fhir/hooks/fhir-hooks';
import { TokenVerifier } from '../identity/token-verifier';
import { LOGGER } from '../observability/logger';
import { Metrics } from '../operations/metrics';
import { Readiness } from '../operations/readiness';
import { AuditEventHandler } from './audit-event.handler';
import { AUDIT_EXPORT, AuditExport, AuditExportController } from './audit-export.controller';
import { AuditSealer } from './audit-sealer';
import { AuditSubscriber } from './audit-subscriber';
import { AuditWriter } from './audit-writer';
import { VerifyOperation } from './verify.operation';

export { sealLagSeconds } from './audit-sealer';

/**
 * /readyz is "not ready" when the chain lags this far behind: normally it is under two seconds;
 * a bulk backlog is worked off at tens of thousands of events a second.
 */
const SEAL_LAG_READY_SECONDS = 120;

/**
 * The audit trail (CONTRACT.md, Audit; docs/AUDIT.md): hook subscribers that record one
 * AuditEvent per interaction, the group-commit writer, the hash-chain sealer, AuditEvent read
 * and search, `$verify`, and `/audit/export`.
 */
@Module({
  imports: [FhirModule],
  controllers: [AuditExportController],
  providers: [
    {
      provide: AuditWriter,
      inject: [Database, LOGGER, APP_CONFIG, FhirHooks],
      useFactory: (db: Database, log: Logger, config: AppConfig, hooks: FhirHooks) =>
        new AuditWriter(db.generic(), log, {
          maxInFlight: config.auditStatementsInFlight,
          gatherMs: config.auditGatherMs,
          expected: () => hooks.activeRequests(),
        }),
    },
    {
      provide: AuditSealer,
      inject: [Database, LOGGER],
      useFactory: (db: Database, log: Logger) => new AuditSealer(db, log),
    },
    {
      provide: AUDIT_EXPORT,
      inject: [Database, AuditWriter, APP_CONFIG, TokenVerifier],
      useFactory: (db: Database, writer: AuditWriter, config: AppConfig, verifier: TokenVerifier) => {
        return new AuditExport(db, config.auditEnabled ? writer : undefined, (h) => verifier.verify(h), config.publicBaseUrl);
      },
    },
  ],
  exports: [AuditSealer],
})
export class AuditModule implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @Inject(FhirRouter) private readonly router: FhirRouter,
    @Inject(FhirHooks) private readonly hooks: FhirHooks,
    @Inject(Database) private readonly db: Database,
    @Inject(AuditWriter) private readonly writer: AuditWriter,
    @Inject(AuditSealer) private readonly sealer: AuditSealer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Optional() @Inject(Readiness) private readonly readiness?: Readiness,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
  ) {}

  onModuleInit(): void {
    this.router.registerTypeHandler('AuditEvent', new AuditEventHandler(this.db, this.hooks));
    this.router.registerOperation(new VerifyOperation(this.db, this.hooks));
    if (!this.config.auditEnabled) {
      this.log.warn('AUDIT_ENABLED=false: no AuditEvents are recorded (for measuring what auditing costs; never in production)');
      return;
    }
    new AuditSubscriber(this.writer, this.log).register(this.hooks);
    this.sealer.start();
    this.metrics?.gauge('kartoteka_audit_seal_lag_seconds', 'Age of the oldest committed AuditEvent not yet in the hash chain', () => this.sealer.lagSeconds());
    this.metrics?.gauge('kartoteka_audit_queue_events', 'AuditEvents waiting for the group commit', () => this.writer.waiting());
    const t = this.writer.totals;
    this.metrics?.gauge('kartoteka_audit_group_commits_total', 'Group-commit INSERT statements committed', () => t.statements);
    this.metrics?.gauge('kartoteka_audit_group_commit_events_total', 'AuditEvents committed by group commit', () => t.events);
    this.metrics?.gauge('kartoteka_audit_group_commit_seconds_total', 'Seconds spent in group-commit statements', () => t.seconds);
    this.readiness?.add('auditSeal', async () => {
      const lagSeconds = Math.round(this.sealer.lagSeconds());
      return { ok: lagSeconds <= SEAL_LAG_READY_SECONDS, detail: { lagSeconds } };
    });
  }

  /** SIGTERM: the last events reach the log and the chain before the pool closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.writer.drain();
    await this.sealer.stop();
  }
}

import { BeforeApplicationShutdown, Inject, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { Database } from '../database/database';
import { FhirModule } from '../fhir/fhir.module';
import { FhirRouter } from '../fhir/fhir-router';
import { FhirHooks } from '../fhir/hooks/fhir-hooks';
import { SearchParameterRegistry } from '../fhir/search/registry/search-parameter-registry';
import { TokenVerifier } from '../identity/token-verifier';
import { LOGGER } from '../observability/logger';
import { Metrics } from '../operations/metrics';
import { BULK_EXPORT, BulkExportController, BulkExportEndpoints } from './bulk-export.controller';
import { ExportJobs } from './export-jobs';
import { ExportWorker } from './export-worker';
import { ExportOperation } from './export.operation';

/**
 * Bulk Data v2 `$export` (CONTRACT.md; docs: export.html): kick-off operations on the FHIR
 * router, jobs in PostgreSQL, a worker per instance, and the status and file endpoints.
 */
@Module({
  imports: [FhirModule],
  controllers: [BulkExportController],
  providers: [
    { provide: ExportJobs, inject: [Database], useFactory: (db: Database) => new ExportJobs(db) },
    {
      provide: ExportWorker,
      inject: [Database, ExportJobs, APP_CONFIG, LOGGER, Metrics],
      useFactory: (db: Database, jobs: ExportJobs, config: AppConfig, log: Logger, metrics: Metrics) => {
        const typeWritten = metrics.counter('kartoteka_export_types_total', 'Bulk export types written, by where they were read from', ['source'] as const);
        return new ExportWorker(db, jobs, config.dataDir, log, { replicaWaitMs: config.exportReplicaWaitMs, onTypeWritten: (source) => typeWritten({ source }) });
      },
    },
    {
      provide: BULK_EXPORT,
      inject: [ExportJobs, FhirHooks, APP_CONFIG, TokenVerifier],
      useFactory: (jobs: ExportJobs, hooks: FhirHooks, config: AppConfig, verifier: TokenVerifier) => {
        return new BulkExportEndpoints(jobs, hooks, (h) => verifier.verify(h), config.dataDir, config.publicBaseUrl);
      },
    },
  ],
})
export class BulkExportModule implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(FhirRouter) private readonly router: FhirRouter,
    @Inject(FhirHooks) private readonly hooks: FhirHooks,
    @Inject(Database) private readonly db: Database,
    @Inject(SearchParameterRegistry) private readonly registry: SearchParameterRegistry,
    @Inject(ExportJobs) private readonly jobs: ExportJobs,
    @Inject(ExportWorker) private readonly worker: ExportWorker,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.router.registerOperation(new ExportOperation(this.db, this.hooks, this.registry, this.jobs, () => this.worker.wake()));
    this.metrics.gauge('kartoteka_export_jobs_running', 'Bulk export jobs this instance is running', () => (this.worker.busyWith ? 1 : 0));
  }

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  /** SIGTERM: a running job goes back to the queue for another instance (or the next start). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }
}

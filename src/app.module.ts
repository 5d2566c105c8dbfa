import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuditModule } from './audit/audit.module';
import { BulkExportModule } from './bulk-export/bulk-export.module';
import { AccessModule } from './access/access.module';
import { APP_CONFIG, AppConfig } from './config/config';
import { DatabaseHandle, DatabaseModule } from './database/database.module';
import { FhirModule } from './fhir/fhir.module';
import { TokenVerifier } from './identity/token-verifier';
import { LOGGER } from './observability/logger';
import { Metrics } from './operations/metrics';
import { OperationsModule } from './operations/operations.module';
import { Readiness } from './operations/readiness';
import { ProfilesModule } from './profiles/profiles.module';

@Global()
@Module({})
class CoreModule {
  static forRoot(config: AppConfig, log: Logger, metrics: Metrics): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: log },
        { provide: Metrics, useValue: metrics },
        { provide: Readiness, useValue: new Readiness() },
        // One verifier for the FHIR gate, /audit/export and the bulk files: one JWKS cache, one dev key.
        { provide: TokenVerifier, useFactory: () => TokenVerifier.create(config) },
      ],
      exports: [APP_CONFIG, LOGGER, Metrics, Readiness, TokenVerifier],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, log: Logger, db: DatabaseHandle, metrics: Metrics): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config, log, metrics), DatabaseModule.forHandle(db), FhirModule, AccessModule, AuditModule, ProfilesModule, OperationsModule, BulkExportModule],
    };
  }
}

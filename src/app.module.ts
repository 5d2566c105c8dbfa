import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AccessModule } from './access/access.module';
import { APP_CONFIG, AppConfig } from './config/config';
import { DatabaseHandle, DatabaseModule } from './database/database.module';
import { FhirModule } from './fhir/fhir.module';
import { LOGGER } from './observability/logger';
import { OperationsModule } from './operations/operations.module';

@Global()
@Module({})
class CoreModule {
  static forRoot(config: AppConfig, log: Logger): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: log },
      ],
      exports: [APP_CONFIG, LOGGER],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, log: Logger, db: DatabaseHandle): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config, log), DatabaseModule.forHandle(db), FhirModule, AccessModule, OperationsModule],
    };
  }
}

import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Database } from '../database/database';
import { FhirRouter } from './fhir-router';
import { FhirHooks } from './hooks/fhir-hooks';
import { FhirController } from './http/fhir.controller';
import { FhirHttpHandler } from './http/fhir-http.handler';
import { BundleInteraction } from './interactions/bundle.interaction';
import { HistoryInteraction } from './interactions/history.interaction';
import { ResourceInteractions } from './interactions/resource-interactions';
import { CAPABILITY_EXTRAS, CapabilityExtras, CapabilityStatementBuilder } from './operations/capability-statement';
import { PatientEverythingOperation } from './operations/patient-everything.operation';
import { ValidateOperation } from './operations/validate.operation';
import { SearchMatcher } from './search/search-matcher';
import { SearchService } from './search/search.service';
import { extractIndexRows } from './search/index/extract-index-rows';
import { getSearchParameterRegistry, SearchParameterRegistry } from './search/registry/search-parameter-registry';
import type { FhirJson } from './store/prepare-change';
import { ResourceStore } from './store/resource-store';
import { ResourceWriter } from './store/resource-writer';
import { RidAllocator } from './store/rid-allocator';
import { ResourceValidator } from './validation/resource-validator';

/**
 * The FHIR engine: one store for every type, the interactions over it, and the router that
 * HTTP and Bundle entries share. Plain classes wired here; capabilities (access, audit,
 * profiles) attach through FhirHooks and the router's operation registry.
 */
@Module({
  controllers: [FhirController],
  providers: [
    FhirHooks,
    { provide: SearchParameterRegistry, useFactory: () => getSearchParameterRegistry() },
    { provide: ResourceValidator, useFactory: () => new ResourceValidator() },
    { provide: CAPABILITY_EXTRAS, useFactory: (): CapabilityExtras => ({}) },
    { provide: ResourceStore, inject: [Database], useFactory: (db: Database) => new ResourceStore(db) },
    { provide: RidAllocator, inject: [Database], useFactory: (db: Database) => new RidAllocator(db) },
    {
      provide: ResourceWriter,
      inject: [RidAllocator, ResourceValidator, SearchParameterRegistry, FhirHooks, APP_CONFIG],
      useFactory: (rids: RidAllocator, v: ResourceValidator, reg: SearchParameterRegistry, hooks: FhirHooks, c: AppConfig) => {
        // Absolute references to our own base are local references (indexed as Type/id).
        const serverBaseUrls = c.publicBaseUrl ? [`${c.publicBaseUrl}/fhir`] : [];
        return new ResourceWriter(rids, v, (r: FhirJson) => extractIndexRows(r as never, reg, { serverBaseUrls }), hooks);
      },
    },
    // Conditional interactions match through the search engine in strict mode; the token stays
    // The ResourceMatcher of conditional interactions: the search engine in strict mode.
    { provide: SearchMatcher, inject: [SearchParameterRegistry], useFactory: (reg: SearchParameterRegistry) => new SearchMatcher(reg) },
    {
      provide: ResourceInteractions,
      inject: [Database, ResourceStore, ResourceWriter, SearchMatcher, FhirHooks],
      useFactory: (db: Database, s: ResourceStore, w: ResourceWriter, m: SearchMatcher, h: FhirHooks) =>
        new ResourceInteractions(db, s, w, m, h),
    },
    {
      provide: HistoryInteraction,
      inject: [ResourceStore, FhirHooks, Database],
      useFactory: (s: ResourceStore, h: FhirHooks, db: Database) => new HistoryInteraction(s, h, (ctx) => db.reader(ctx)),
    },
    {
      provide: SearchService,
      inject: [Database, SearchParameterRegistry, FhirHooks],
      useFactory: (db: Database, reg: SearchParameterRegistry, h: FhirHooks) => new SearchService(db, reg, h),
    },
    {
      provide: FhirRouter,
      inject: [Database, ResourceStore, ResourceWriter, SearchMatcher, ResourceInteractions, HistoryInteraction, SearchService, SearchParameterRegistry, CAPABILITY_EXTRAS],
      useFactory: (
        db: Database, s: ResourceStore, w: ResourceWriter, m: SearchMatcher, ri: ResourceInteractions,
        hi: HistoryInteraction, search: SearchService, reg: SearchParameterRegistry, extras: CapabilityExtras,
      ) => {
        let router: FhirRouter | undefined;
        const bundles = new BundleInteraction(db, s, w, m, () => router!.dispatch, () => (c, r) => router!.authorize(c, r));
        const caps = new CapabilityStatementBuilder(reg, () => router!.listOperations(), extras);
        router = new FhirRouter(ri, hi, bundles, search, caps);
        return router;
      },
    },
    {
      provide: FhirHttpHandler,
      inject: [FhirRouter, FhirHooks, APP_CONFIG],
      useFactory: (r: FhirRouter, h: FhirHooks, c: AppConfig) => new FhirHttpHandler(r, h, c.publicBaseUrl),
    },
  ],
  exports: [CAPABILITY_EXTRAS, FhirHooks, FhirRouter, FhirHttpHandler, ResourceStore, ResourceWriter, ResourceValidator, SearchParameterRegistry, SearchMatcher],
})
export class FhirModule implements OnModuleInit {
  constructor(
    @Inject(FhirRouter) private readonly router: FhirRouter,
    @Inject(ResourceValidator) private readonly validator: ResourceValidator,
    @Inject(Database) private readonly db: Database,
    @Inject(FhirHooks) private readonly hooks: FhirHooks,
  ) {}

  onModuleInit(): void {
    this.router.registerOperation(new ValidateOperation(this.validator, () => undefined));
    this.router.registerOperation(new PatientEverythingOperation(this.db, this.hooks));
  }
}

import { Inject, Module, OnModuleInit } from '@nestjs/common';
import type { NamingSystem, SearchParameter } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { Database } from '../database/database';
import { FhirModule } from '../fhir/fhir.module';
import { FhirRouter } from '../fhir/fhir-router';
import { FhirHooks } from '../fhir/hooks/fhir-hooks';
import { CAPABILITY_EXTRAS, type CapabilityExtras } from '../fhir/operations/capability-statement';
import { PatientMatchOperation } from '../fhir/operations/patient-match.operation';
import { ValidateOperation } from '../fhir/operations/validate.operation';
import { SearchParameterRegistry } from '../fhir/search/registry/search-parameter-registry';
import { ResourceStore } from '../fhir/store/resource-store';
import { ResourceWriter } from '../fhir/store/resource-writer';
import { ResourceValidator } from '../fhir/validation/resource-validator';
import { LOGGER } from '../observability/logger';
import { storeConformanceResources } from './conformance-store';
import { PatientCandidates } from './patient-candidates';
import { PatientIdentityIndex } from './patient-identity';
import { scoreMatch } from './patient-match-score';
import { ProfileCatalog } from './profile-catalog';
import { loadProfilePackage, type ProfilePackage } from './profile-package';

/**
 * The city conformance package (fhir-profiles/) at work: its profiles in the validator (checked
 * on write when claimed, and by $validate), its SearchParameters in the registry, its resources
 * in the store (served read-only), its NamingSystems deciding which identifiers make a person
 * unique (patient_identity), and Patient/$match.
 */
@Module({ imports: [FhirModule] })
export class ProfilesModule implements OnModuleInit {
  constructor(
    @Inject(FhirRouter) private readonly router: FhirRouter,
    @Inject(FhirHooks) private readonly hooks: FhirHooks,
    @Inject(ResourceValidator) private readonly validator: ResourceValidator,
    @Inject(SearchParameterRegistry) private readonly registry: SearchParameterRegistry,
    @Inject(ResourceStore) private readonly store: ResourceStore,
    @Inject(ResourceWriter) private readonly writer: ResourceWriter,
    @Inject(CAPABILITY_EXTRAS) private readonly capabilities: CapabilityExtras,
    @Inject(Database) private readonly db: Database,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const pkg = loadProfilePackage();
    const catalog = new ProfileCatalog(this.validator);
    catalog.load(pkg);
    for (const sp of pkg.definitions) {
      if (sp.resourceType === 'SearchParameter') this.registry.addDefinition(sp as SearchParameter);
    }
    const systems = identitySystems(pkg);

    this.writer.addCheck(catalog);
    this.hooks.onWrite(new PatientIdentityIndex(systems).maintain);
    this.router.registerOperation(new ValidateOperation(catalog, catalog.lookup));
    this.router.registerOperation(
      new PatientMatchOperation(new PatientCandidates(this.db, systems), (q, c) => scoreMatch(q, c, systems), this.hooks),
    );
    this.capabilities.profiles = () => catalog.profilesByType();

    const stored = await storeConformanceResources(this.db, this.store, this.writer, pkg.definitions);
    this.log.info(
      { package: `${pkg.name}#${pkg.version}`, written: stored.written, unchanged: stored.unchanged },
      'profile package loaded',
    );
  }
}

/**
 * The identifier systems one person holds one of, from the package's NamingSystems (kind
 * identifier): the preferred `uri` uniqueId of each, e.g. urn:oid:1.2.643.100.3 for SNILS.
 */
export function identitySystems(pkg: Pick<ProfilePackage, 'definitions'>): ReadonlySet<string> {
  const systems = new Set<string>();
  for (const r of pkg.definitions) {
    if (r.resourceType !== 'NamingSystem' || (r as NamingSystem).kind !== 'identifier') continue;
    const uris = ((r as NamingSystem).uniqueId ?? []).filter((u) => u.type === 'uri');
    const uri = uris.find((u) => u.preferred) ?? uris[0];
    if (uri?.value) systems.add(uri.value);
  }
  return systems;
}

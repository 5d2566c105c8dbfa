import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import type { FhirRequestContext, FhirResponse } from '../fhir-context';
import type { CapabilitiesHandler } from '../fhir-router';
import type { SearchParameterRegistry } from '../search/registry/search-parameter-registry';
import { SUPPORTED_TYPES, WRITABLE_TYPES } from '../search/registry/supported-types';
import type { FhirOperation } from './operation';

export interface CapabilityExtras {
  /** Profiles loaded from fhir-profiles/, by resource type. */
  profiles?: () => Record<string, string[]>;
  /** The SMART security service block, once authentication is configured. */
  security?: () => CapabilityStatement['rest'] extends (infer R)[] | undefined ? R extends { security?: infer S } ? S | undefined : never : never;
}

/**
 * The CapabilityExtras of the running server: one object, provided by FhirModule, that capability
 * modules fill in at start (profiles: `profiles`) before the statement is first built.
 */
export const CAPABILITY_EXTRAS = Symbol('CAPABILITY_EXTRAS');

/**
 * Generated from what is registered (types, search parameters, operations), never hand-kept,
 * so the statement cannot claim what the server does not do (FHIR R4 capabilitystatement.html).
 */
export class CapabilityStatementBuilder implements CapabilitiesHandler {
  private cached: string | undefined;
  private cachedFor: string | undefined;

  constructor(
    private readonly registry: SearchParameterRegistry,
    private readonly operations: () => FhirOperation[],
    private readonly extras: CapabilityExtras = {},
    private readonly version = '0.1.0',
  ) {}

  capabilities(ctx: FhirRequestContext): FhirResponse {
    if (this.cached === undefined || this.cachedFor !== ctx.baseUrl) {
      this.cached = JSON.stringify(this.build(ctx.baseUrl));
      this.cachedFor = ctx.baseUrl;
    }
    return { status: 200, body: this.cached };
  }

  /** Call when profiles or SearchParameters are added at start. */
  invalidate(): void {
    this.cached = undefined;
  }

  build(baseUrl: string): CapabilityStatement {
    const writable = new Set<string>(WRITABLE_TYPES);
    const ops = this.operations();
    const profiles = this.extras.profiles?.() ?? {};
    const resource: CapabilityStatementRestResource[] = SUPPORTED_TYPES.map((type) => {
      const interactions = writable.has(type)
        ? ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type']
        : ['read', 'vread', 'history-instance', 'history-type', 'search-type'];
      const entry: CapabilityStatementRestResource = {
        type,
        profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
        interaction: interactions.map((code) => ({ code: code as 'read' })),
        versioning: 'versioned-update',
        readHistory: true,
        updateCreate: writable.has(type),
        conditionalCreate: writable.has(type),
        conditionalUpdate: writable.has(type),
        conditionalDelete: 'not-supported',
        searchParam: this.registry
          .getParameters(type)
          .filter((p) => p.searchable)
          .map((p) => ({ name: p.code, definition: p.url, type: p.type as 'token', documentation: p.description })),
        operation: ops
          .filter((o) => o.levels.some((l) => l !== 'system') && (!o.types || o.types.includes(type)))
          .map((o) => ({ name: o.name, definition: o.definition })),
      };
      if (profiles[type]?.length) entry.supportedProfile = profiles[type];
      return entry;
    });
    const security = this.extras.security?.();
    return {
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: new Date().toISOString().slice(0, 10),
      publisher: 'Kartoteka',
      kind: 'instance',
      software: { name: 'Kartoteka', version: this.version },
      implementation: { description: 'Kartoteka unified city medical record', url: baseUrl },
      fhirVersion: '4.0.1',
      format: ['application/fhir+json', 'json'],
      patchFormat: ['application/json-patch+json'],
      rest: [
        {
          mode: 'server',
          ...(security ? { security } : {}),
          resource,
          interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'history-system' }, { code: 'search-system' }],
          operation: ops
            .filter((o) => o.levels.includes('system'))
            .map((o) => ({ name: o.name, definition: o.definition })),
        },
      ],
    };
  }
}

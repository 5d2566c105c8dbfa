import { loadDataType, tryGetProfile } from '@medplum/core';
import type { CodeSystem, OperationOutcomeIssue, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { Injectable } from '@nestjs/common';
import { invalidResource } from '../errors/fhir-error';
import { PlanCompiler, type ProfileSchemas, profileSchemas } from './element-plan';
import { ElementWalker } from './element-walk';
import { emptyArrayIssues } from './empty-arrays';
import { loadR4StructureDefinitions, requiredBindingValueSets } from './structure-definitions';
import { registerProfileSchema, structuralIssues } from './structural-issues';
import { ValueSetExpansion } from './value-set-expansion';

export interface ValidateOptions {
  /** A profile (with snapshot) to validate against instead of the base definition of the type. */
  profile?: StructureDefinition;
}

/**
 * Validation of every FHIR write against the R4 StructureDefinitions: @medplum/core's
 * validateResource for structure, plus the checks it lacks (element-walk.ts): required bindings,
 * the id format, calendar dates and strict dateTime, reference format and target types, object
 * shapes, choice elements given twice, nested resource types, and empty arrays.
 *
 * HTTP status (assertValid). R4 http.html §3.1.0.4 gives 400 for a body that "could not be parsed
 * or failed basic FHIR validation rules" and 422 for one that "violated applicable FHIR profiles or
 * server business rules"; many servers answer 400 for everything. Our contract splits it so:
 * - 400: the body is not a resource at all (not a JSON object, no resourceType, or not a concrete
 *   R4 resource type), so there is nothing to validate it against;
 * - 422: a well-formed resource that fails validation: unknown elements, wrong types, cardinality,
 *   bad dates, codes outside required bindings, a bad id, broken references, profile failures.
 */
@Injectable()
export class ResourceValidator {
  private readonly resourceTypes: ReadonlySet<string>;
  private readonly plans: PlanCompiler;
  private readonly walker: ElementWalker;
  private readonly valueSets: ValueSetExpansion;
  private readonly profiles = new Map<string, LoadedProfile>();
  private readonly profileTypes = new Map<string, string>();

  constructor() {
    const definitions = loadR4StructureDefinitions();
    this.resourceTypes = definitions.resourceTypes;
    this.valueSets = sharedValueSets();
    // Expanded now rather than on the first write that needs them (construction is at startup).
    for (const url of definitions.requiredValueSets) this.valueSets.expand(url);
    this.plans = new PlanCompiler(this.valueSets, this.resourceTypes, this.profileTypes);
    this.walker = new ElementWalker(this.plans, this.resourceTypes);
  }

  /** All issues, [] when valid; the resource is invalid when an issue has severity 'error'. */
  validate(resource: unknown, options?: ValidateOptions): OperationOutcomeIssue[] {
    return this.notAResource(resource) ?? this.validateResource(resource as Resource, options?.profile);
  }

  /** Throws FhirError 400 when the body is not a resource, 422 when the resource is invalid. */
  assertValid(resource: unknown, options?: ValidateOptions): void {
    const envelope = this.notAResource(resource);
    if (envelope) throw invalidResource(envelope, 400);
    const issues = this.validateResource(resource as Resource, options?.profile);
    if (issues.some((issue) => issue.severity === 'error' || issue.severity === 'fatal')) {
      throw invalidResource(issues, 422);
    }
  }

  /**
   * Makes a profile (StructureDefinition with snapshot, derivation constraint) known, for
   * validate({ profile }) and for Reference(profile) target checks. Adding a profile again with the
   * same url replaces it. Throws on a definition that is not a usable profile (a startup error).
   */
  addProfile(sd: StructureDefinition): void {
    if (sd?.resourceType !== 'StructureDefinition' || !sd.url || !sd.type || !sd.snapshot?.element?.length) {
      throw new Error('addProfile: a StructureDefinition with url, type and snapshot is required');
    }
    if (sd.url === `http://hl7.org/fhir/StructureDefinition/${sd.type}` || sd.derivation === 'specialization') {
      // loadDataType would silently replace the base definition of the type for every write
      throw new Error(`addProfile: ${sd.url} is not a profile (derivation constraint) of a base type`);
    }
    for (const url of requiredBindingValueSets(sd)) this.valueSets.expand(url);
    loadDataType(sd);
    const schema = tryGetProfile(sd.url);
    if (!schema) throw new Error(`addProfile: ${sd.url} could not be parsed`);
    const typeKey = registerProfileSchema(sd.url, schema);
    this.profiles.set(sd.url, { schemas: profileSchemas(sd.url, schema), typeKey });
    if (sd.kind === 'resource') this.profileTypes.set(sd.url, sd.type);
    this.plans.forgetProfile(sd.url);
  }

  /**
   * Makes a ValueSet or CodeSystem of a profile package known to binding checks. Call it before
   * addProfile for the profiles that bind to it: a required binding to a ValueSet not known here
   * cannot be expanded and is not checked. The terminology is shared by every validator.
   */
  addTerminology(resource: ValueSet | CodeSystem): void {
    this.valueSets.add(resource);
  }

  private validateResource(resource: Resource, profile: StructureDefinition | undefined): OperationOutcomeIssue[] {
    const root = resource.resourceType;
    if (profile && profile.type !== root) {
      const expression = `${root}.resourceType`;
      return [
        {
          severity: 'error',
          code: 'processing',
          diagnostics: `${expression}: does not match the type of the profile ${profile.url}`,
          expression: [expression],
        },
      ];
    }
    const loaded = profile && this.loadedProfile(profile);
    const walk = this.walker.walk(resource as unknown as Record<string, unknown>, loaded?.schemas);
    const structural = structuralIssues(resource, loaded?.typeKey);
    const belowNotObject = (issue: OperationOutcomeIssue): boolean => {
      const expression = issue.expression?.[0] ?? '';
      return walk.notObjects.some((path) => expression.startsWith(`${path}.`));
    };
    const unexplained = structural.unknownDataType && !walk.unknownResourceType;
    return dedupe([
      ...(unexplained ? [envelopeIssue(root, 'contains an element of unknown data type')] : []),
      ...structural.issues.filter((issue) => !belowNotObject(issue)),
      ...walk.issues,
      ...emptyArrayIssues(resource as unknown as Record<string, unknown>, root),
    ]);
  }

  /**
   * The loaded profile of that url; one not loaded yet is added. Matched by url, not by object: a
   * caller that deserialises the profile per request must not pay medplum's parse (ms) per write.
   */
  private loadedProfile(profile: StructureDefinition): LoadedProfile {
    if (!this.profiles.has(profile.url)) this.addProfile(profile);
    return this.profiles.get(profile.url) as LoadedProfile;
  }

  /** Issues when the body is not a resource at all (answered 400), else undefined. */
  private notAResource(body: unknown): OperationOutcomeIssue[] | undefined {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return [envelopeIssue('Resource', 'the body must be a JSON object (a FHIR resource)')];
    }
    const type = (body as { resourceType?: unknown }).resourceType;
    if (typeof type !== 'string') return [envelopeIssue('Resource.resourceType', 'resourceType is required')];
    if (!this.resourceTypes.has(type)) {
      return [envelopeIssue('Resource.resourceType', 'resourceType must name a concrete R4 resource type')];
    }
    return undefined;
  }
}

interface LoadedProfile {
  readonly schemas: ProfileSchemas;
  /** medplum type-map key of the parsed profile (structural-issues.ts) */
  readonly typeKey: string;
}

/** The terminology files are large (~20 MB); one expansion cache serves every validator. */
let valueSets: ValueSetExpansion | undefined;
function sharedValueSets(): ValueSetExpansion {
  return (valueSets ??= new ValueSetExpansion());
}

function envelopeIssue(expression: string, rule: string): OperationOutcomeIssue {
  return { severity: 'error', code: 'structure', diagnostics: `${expression}: ${rule}`, expression: [expression] };
}

function dedupe(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.severity}|${issue.diagnostics}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

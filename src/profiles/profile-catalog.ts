import type { CodeSystem, OperationOutcomeIssue, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { invalidResource } from '../fhir/errors/fhir-error';
import type { ResourceValidator } from '../fhir/validation/resource-validator';
import { canonicalUrl } from '../fhir/validation/structure-definitions';
import type { ProfilePackage } from './profile-package';

const BASE = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * The profiles of our package, known to one validator, and what a `meta.profile` claim means
 * here (FHIR R4 resource.html#profile-tags: a claim is an assertion the server may check): a
 * resource that claims a profile is validated against it; a claim of a profile this server does
 * not know fails too (CONTRACT.md: 422), except the base definition of the resource's own type.
 * Versions in a claim (`url|0.1.0`) are ignored: the server holds one version of each profile.
 */
export class ProfileCatalog {
  private readonly byUrl = new Map<string, StructureDefinition>();

  constructor(private readonly validator: ResourceValidator) {}

  /** Terminology first (profiles bind to it), then the profiles. Throws on an unusable profile. */
  load(pkg: Pick<ProfilePackage, 'definitions'>): void {
    for (const r of pkg.definitions) {
      if (r.resourceType === 'ValueSet' || r.resourceType === 'CodeSystem') {
        this.validator.addTerminology(r as ValueSet | CodeSystem);
      }
    }
    for (const r of pkg.definitions) {
      if (r.resourceType !== 'StructureDefinition') continue;
      this.validator.addProfile(r);
      this.byUrl.set(r.url, r);
    }
  }

  /** For `$validate?profile=`: our profile of that canonical url, if any. */
  lookup = (url: string): StructureDefinition | undefined => this.byUrl.get(canonicalUrl(url));

  /** Resource profiles by type, for CapabilityStatement.rest.resource.supportedProfile. */
  profilesByType(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const sd of this.byUrl.values()) {
      if (sd.kind === 'resource') (out[sd.type] ??= []).push(sd.url);
    }
    return out;
  }

  /** ResourceWriter check: 422 when the resource fails a profile it claims. */
  assertValid(resource: unknown): void {
    const issues = this.claimIssues(resource as Resource);
    if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) throw invalidResource(issues, 422);
  }

  /**
   * `$validate`: against the profile asked for, else against the base definition and every
   * profile the resource claims.
   */
  validate(resource: unknown, options?: { profile?: StructureDefinition }): OperationOutcomeIssue[] {
    if (options?.profile) return this.validator.validate(resource, options);
    return dedupe([...this.validator.validate(resource), ...this.claimIssues(resource as Resource)]);
  }

  private claimIssues(resource: Resource): OperationOutcomeIssue[] {
    const claims = (resource?.meta as { profile?: unknown } | undefined)?.profile;
    if (!Array.isArray(claims) || claims.length === 0) return [];
    const type = resource.resourceType;
    const issues: OperationOutcomeIssue[] = [];
    claims.forEach((claim: unknown, i) => {
      if (typeof claim !== 'string') return; // a wrong JSON type is the base validation's to report
      const url = canonicalUrl(claim);
      if (url === BASE + type) return;
      const profile = this.byUrl.get(url);
      if (profile) {
        issues.push(...this.validator.validate(resource, { profile }));
        return;
      }
      const expression = `${type}.meta.profile[${i}]`;
      issues.push({
        severity: 'error',
        code: 'processing',
        diagnostics: `${expression}: the resource claims a profile this server does not know`,
        expression: [expression],
      });
    });
    return dedupe(issues);
  }
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

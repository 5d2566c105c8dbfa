import type { OperationOutcome, StructureDefinition } from '@medplum/fhirtypes';
import { badRequest } from '../errors/fhir-error';
import type { FhirRequestContext, FhirResponse } from '../fhir-context';
import type { FhirRequest } from '../fhir-request';
import type { FhirOperation } from './operation';

export interface Validates {
  validate(resource: unknown, options?: { profile?: StructureDefinition }): OperationOutcome['issue'];
}

export type ProfileLookup = (url: string) => StructureDefinition | undefined;

/**
 * `$validate` (FHIR R4 resource-operation-validate): the answer is 200 with an OperationOutcome
 * listing what is wrong; the operation itself succeeded even when the resource is invalid.
 */
export class ValidateOperation implements FhirOperation {
  readonly name = 'validate';
  readonly definition = 'http://hl7.org/fhir/OperationDefinition/Resource-validate';
  readonly levels = ['type', 'instance'] as FhirOperation['levels'];
  readonly idempotent = false;

  constructor(private readonly validator: Validates, private readonly profiles: ProfileLookup) {}

  async handle(_ctx: FhirRequestContext, req: FhirRequest, target: { type?: string }): Promise<FhirResponse> {
    const body = req.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') throw badRequest('$validate takes a resource or a Parameters resource');
    let resource: unknown = body;
    let profileUrl = req.query.get('profile') ?? undefined;
    if (body.resourceType === 'Parameters' && target.type !== 'Parameters') {
      const params = (body.parameter ?? []) as { name?: string; resource?: unknown; valueUri?: string; valueCanonical?: string }[];
      resource = params.find((p) => p.name === 'resource')?.resource;
      const p = params.find((x) => x.name === 'profile');
      profileUrl = p?.valueUri ?? p?.valueCanonical ?? profileUrl;
      if (!resource) throw badRequest('$validate: the Parameters resource has no "resource" parameter');
    }
    if ((resource as { resourceType?: unknown }).resourceType !== target.type) {
      throw badRequest(`$validate on ${target.type} takes a ${target.type}`);
    }
    let profile: StructureDefinition | undefined;
    if (profileUrl) {
      profile = this.profiles(profileUrl);
      if (!profile) throw badRequest('$validate: the profile is not known to this server');
    }
    const issues = this.validator.validate(resource, { profile }) ?? [];
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: issues.length
        ? issues
        : [{ severity: 'information', code: 'informational', diagnostics: 'The resource is valid' }],
    };
    return { status: 200, body: outcome };
  }
}

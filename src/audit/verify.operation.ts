import type { Database } from '../database/database';
import type { FhirRequestContext, FhirResponse } from '../fhir/fhir-context';
import type { FhirRequest } from '../fhir/fhir-request';
import type { FhirHooks } from '../fhir/hooks/fhir-hooks';
import type { FhirOperation } from '../fhir/operations/operation';
import { assertAuditor } from './audit-access';
import { verifyChain } from './audit-verifier';

/**
 * `GET /fhir/AuditEvent/$verify` (CONTRACT.md, Audit): recomputes the hash chain and answers a
 * Parameters resource: `result`, `checked` and, when broken, `firstInvalid` (an AuditEvent id).
 */
export class VerifyOperation implements FhirOperation {
  readonly name = 'verify';
  readonly definition = 'https://kartoteka.example/fhir/OperationDefinition/AuditEvent-verify';
  readonly levels = ['type' as const];
  readonly types = ['AuditEvent'];
  readonly idempotent = true;
  readonly access = { perm: 'r' as const, type: 'AuditEvent' };

  constructor(
    private readonly db: Database,
    private readonly hooks: FhirHooks,
  ) {}

  async handle(ctx: FhirRequestContext, req: FhirRequest): Promise<FhirResponse> {
    assertAuditor(ctx.principal, 'verify the audit chain');
    const v = await verifyChain(this.db);
    await this.hooks.read({ ctx, interaction: 'operation', operation: { name: '$verify', definition: this.definition }, resourceType: 'AuditEvent', references: [], patients: [], query: req.rawQuery });
    const parameter: object[] = [
      { name: 'result', valueBoolean: v.result },
      { name: 'checked', valueInteger: v.checked },
    ];
    if (v.firstInvalid) parameter.push({ name: 'firstInvalid', valueString: v.firstInvalid });
    return { status: 200, body: { resourceType: 'Parameters', parameter } };
  }
}

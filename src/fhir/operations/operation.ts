import type { FhirRequestContext, FhirResponse } from '../fhir-context';
import type { FhirRequest } from '../fhir-request';

export type OperationLevel = 'system' | 'type' | 'instance';

/** One `$operation`; each lives in its own file and is registered with the router. */
export interface FhirOperation {
  /** Without the `$`, e.g. `validate`. */
  name: string;
  /** Canonical OperationDefinition URL for the CapabilityStatement. */
  definition: string;
  levels: OperationLevel[];
  /** Resource types it applies to at type/instance level; undefined = every type. */
  types?: string[];
  /** GET allowed (operations that change nothing). */
  idempotent: boolean;
  /**
   * What the caller needs, in SMART letters, on `type` (default: the target type, or for system
   * operations every clinical type). Checked by the access layer before the handler runs.
   */
  access?: { perm: 'c' | 'r' | 'u' | 'd' | 's'; type?: string } | ((req: FhirRequest) => { perm: 'c' | 'r' | 'u' | 'd' | 's'; type?: string });
  handle(ctx: FhirRequestContext, req: FhirRequest, target: { type?: string; id?: string }): Promise<FhirResponse>;
}

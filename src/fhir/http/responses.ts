import type { OperationOutcome } from '@medplum/fhirtypes';
import type { FhirRequestContext, FhirResponse } from '../fhir-context';
import type { StoredResource } from '../store/stored-resource';

export interface VersionInfo {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  content: string | null;
}

export function versionHeaders(v: VersionInfo): Record<string, string> {
  return { ETag: `W/"${v.versionId}"`, 'Last-Modified': v.lastUpdated.toUTCString() };
}

export function locationOf(ctx: FhirRequestContext, v: VersionInfo): string {
  return `${ctx.baseUrl}/${v.resourceType}/${v.id}/_history/${v.versionId}`;
}

export function allOk(diagnostics: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'information', code: 'informational', diagnostics }],
  };
}

/** The answer to a write, honouring `Prefer: return=` (FHIR R4 http.html#ops). */
export function writeResponse(ctx: FhirRequestContext, status: number, v: VersionInfo, location: boolean): FhirResponse {
  const headers = versionHeaders(v);
  if (location) headers.Location = locationOf(ctx, v);
  switch (ctx.preferReturn) {
    case 'minimal':
      return { status, headers };
    case 'OperationOutcome':
      return { status, headers, body: allOk(`${status === 201 ? 'Created' : 'Updated'} ${v.resourceType}/${v.id}`) };
    default:
      return { status, headers, body: v.content ?? undefined };
  }
}

export function readResponse(r: StoredResource): FhirResponse {
  return { status: 200, headers: versionHeaders(r), body: r.content ?? undefined };
}

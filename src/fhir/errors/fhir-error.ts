import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * The one error type of the FHIR layer: an OperationOutcome and the HTTP status that carries it.
 * Thrown anywhere below the controllers; the exception filter serialises it. Texts must never
 * contain PHI (names, identifiers, resource bodies): say which element and which rule, not the value.
 */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome,
    readonly headers: Record<string, string> = {},
  ) {
    super(outcome.issue?.[0]?.diagnostics ?? outcome.issue?.[0]?.details?.text ?? `HTTP ${status}`);
    this.name = 'FhirError';
  }
}

export type IssueType = OperationOutcomeIssue['code'];

export function outcome(
  severity: OperationOutcomeIssue['severity'],
  code: IssueType,
  diagnostics: string,
  expression?: string[],
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression?.length) issue.expression = expression;
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

export function issuesOutcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

const err =
  (status: number, code: IssueType) =>
  (diagnostics: string, expression?: string[]): FhirError =>
    new FhirError(status, outcome('error', code, diagnostics, expression));

export const badRequest = err(400, 'invalid');
export const unauthorized = err(401, 'login');
export const forbidden = err(403, 'forbidden');
export const notFound = err(404, 'not-found');
export const methodNotAllowed = err(405, 'not-supported');
export const notAcceptable = err(406, 'not-supported');
export const conflict = err(409, 'conflict');
export const gone = err(410, 'deleted');
export const preconditionFailed = err(412, 'conflict');
export const payloadTooLarge = err(413, 'too-costly');
export const unsupportedMediaType = err(415, 'not-supported');
export const unprocessable = err(422, 'processing');
export const tooManyRequests = err(429, 'throttled');
export const serviceUnavailable = err(503, 'transient');

/** 400/422 carrying several issues at once (validation). */
export function invalidResource(issues: OperationOutcomeIssue[], status = 400): FhirError {
  return new FhirError(status, issuesOutcome(issues));
}

export function isFhirError(e: unknown): e is FhirError {
  return e instanceof FhirError;
}

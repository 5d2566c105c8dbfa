import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * FHIR JSON (R4 json.html §2.6.2): arrays are never empty; an absent element is omitted.
 * medplum means to report this ("Invalid empty value") but its property lookup turns `[]` into
 * "absent", so `name: []` passes. A plain scan of the JSON needs no schema; the path is only
 * joined when an issue is found, as this runs on every write.
 */
export function emptyArrayIssues(resource: Record<string, unknown>, root: string): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  scan(resource, [root], issues);
  return issues;
}

function scan(value: unknown, path: string[], issues: OperationOutcomeIssue[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      const expression = path.join('');
      issues.push({
        severity: 'error',
        code: 'structure',
        diagnostics: `${expression}: arrays must not be empty`,
        expression: [expression],
      });
    }
    for (let i = 0; i < value.length; i++) {
      path.push(`[${i}]`);
      scan(value[i], path, issues);
      path.pop();
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const key in value) {
      path.push(`.${key}`);
      scan((value as Record<string, unknown>)[key], path, issues);
      path.pop();
    }
  }
}

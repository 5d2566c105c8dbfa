import { OperationOutcomeError, getAllDataTypes, validateResource, validateTypedValue } from '@medplum/core';
import type { InternalTypeSchema } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { choiceKeysIn } from './element-plan';

/**
 * Structural validation by @medplum/core's validateResource (unknown elements, JSON types,
 * cardinality, primitive formats, fixed values, slices of a profile, and the invariants listed on
 * the resource's own ElementDefinitions), with its issues rewritten into our form.
 *
 * Not checked by medplum, nor here: invariants declared on a datatype itself, because medplum
 * evaluates only a value's element constraints, e.g. per-1 (Period start <= end), cpt-2 (a
 * ContactPoint value needs a system), ref-1; and Narrative xhtml content (its xhtml regex is `.*`).
 *
 * Why rewrite: medplum puts its text in `details.text` and a JSON blob in `diagnostics`; one text
 * echoes the offending reference, and a failed FHIRPath evaluation carries the thrown error. Texts
 * here come from a table of the messages medplum produces; anything else gets a generic text, so
 * a future medplum message that includes a value cannot leak it (R4 OperationOutcome in a 4xx
 * body may be logged and shown; the value may be a name or a SNILS number).
 */

/** Messages whose issue is dropped because element-walk.ts reports the same problem better. */
const REPLACED = [
  /^Invalid reference: /, // warning only, echoes the reference: reference-format.ts
  /^Conflicting choice of type properties/, // warning only, path without parent: element-walk.ts
];

const UNKNOWN_DATA_TYPE = /^Unknown data type: /;

type Rewrite = (match: RegExpExecArray) => string;

const TEXTS: [RegExp, Rewrite][] = [
  [/^Invalid additional property "/, () => 'element is not defined here'],
  [/^Invalid (\w+) format$/, (m) => `invalid ${m[1]} format`],
  [/^Invalid JSON type: expected (\w+), but got (\w+)$/, (m) => `wrong JSON type: expected ${m[1]}, got ${m[2]}`],
  [/^Invalid JSON type: ([\w.:/]+) is not a valid FHIR type$/, (m) => `${m[1]} is not a valid FHIR primitive type`],
  [/^Missing required property$/, () => 'required element is missing'],
  [
    /^Invalid number of values: expected (\d+\.\.(?:\d+|\*)), but found (\d+)$/,
    (m) => `cardinality ${m[1]} not met (found ${m[2]})`,
  ],
  [/^Expected array of values for property$/, () => 'must be a JSON array'],
  [/^Expected single value for property$/, () => 'must be a single value, not an array'],
  [/^Constraint ([\w.-]+) not met: (.*)$/s, (m) => `invariant ${m[1]} not met: ${m[2]}`],
  [/^Invalid null value$/, () => 'null is not allowed here'],
  [/^Invalid undefined value$/, () => 'undefined is not allowed here'],
  [/^Invalid empty value$/, () => 'must not be empty'],
  [/^Invalid empty non-primitive value$/, () => 'must not be an empty object'],
  [/^String must contain non-whitespace content$/, () => 'string must contain non-whitespace content'],
  [/^String cannot be larger than 1 MB$/, () => 'string must not be larger than 1 MB'],
  [/^Invalid numeric value$/, () => 'number must be finite'],
  [/^Expected number to be an integer$/, () => 'number must be an integer'],
  [/^Expected number to be positive$/, () => 'number must be positive'],
  [/^Expected number to be non-negative$/, () => 'number must not be negative'],
  [/^Value did not match expected pattern$/, () => 'does not match the fixed value or pattern of the profile'],
  [
    /^Incorrect number of values provided for slice '([\w.-]*)': expected (\d+\.\.(?:\d+|\*)), but found (\d+)$/,
    (m) => `slice ${m[1]} cardinality ${m[2]} not met (found ${m[3]})`,
  ],
  [
    /^Type of primitive extension does not match the type of property/,
    () => 'primitive extension does not match the type of its element',
  ],
  [/^Error evaluating invariant expression$/, () => 'an invariant could not be evaluated on this element'],
];

export interface StructuralResult {
  readonly issues: OperationOutcomeIssue[];
  /** medplum stopped at an unknown nested resource type (its issue is dropped; element-walk.ts names the element). */
  readonly unknownDataType: boolean;
}

const PROFILE_TYPE_PREFIX = 'kartoteka-profile|';

/**
 * medplum's validateResource(resource, { profile }) parses the StructureDefinition again on every
 * call: measured 1.8-6 ms per Patient against a Patient profile, 10-40 times a base validation. So a
 * profile parsed once (addProfile) is put in medplum's type map (getAllDataTypes() is that map)
 * under a key no FHIR type name can have, and validated with validateTypedValue against that key:
 * the same validator code path without the parse (~180 µs, bench/validate.js).
 * @returns the key to pass to structuralIssues
 */
export function registerProfileSchema(url: string, schema: InternalTypeSchema): string {
  const key = PROFILE_TYPE_PREFIX + url;
  getAllDataTypes()[key] = schema;
  return key;
}

/** @param profileKey from registerProfileSchema, to validate against that profile instead of the base type */
export function structuralIssues(resource: Resource, profileKey?: string): StructuralResult {
  const root = resource.resourceType;
  let raw: OperationOutcomeIssue[];
  try {
    // Both throw when an issue is an error, and return the warnings otherwise.
    raw = profileKey ? validateTypedValue({ type: profileKey, value: resource }) : validateResource(resource);
  } catch (err: unknown) {
    if (!(err instanceof OperationOutcomeError)) {
      // e.g. "Primitive extension must be an object" for `_birthDate: "x"`: a malformed body, not a crash of ours
      return {
        issues: [rewritten('error', 'structure', root, 'could not be validated: malformed JSON structure')],
        unknownDataType: false,
      };
    }
    raw = err.outcome.issue ?? [];
  }
  const issues: OperationOutcomeIssue[] = [];
  let unknownDataType = false;
  for (const issue of raw) {
    const text = issue.details?.text ?? '';
    if (REPLACED.some((pattern) => pattern.test(text))) continue;
    if (UNKNOWN_DATA_TYPE.test(text)) {
      unknownDataType = true;
      continue;
    }
    const expression = withChoiceTypes(resource, issue.expression?.[0] ?? root);
    issues.push(rewritten(issue.severity, issue.code, expression, ruleText(text)));
  }
  return { issues, unknownDataType };
}

function ruleText(text: string): string {
  for (const [pattern, rewrite] of TEXTS) {
    const match = pattern.exec(text);
    if (match) return rewrite(match);
  }
  return 'failed structural validation';
}

function rewritten(
  severity: OperationOutcomeIssue['severity'],
  code: OperationOutcomeIssue['code'],
  expression: string,
  rule: string,
): OperationOutcomeIssue {
  return { severity, code, diagnostics: `${expression}: ${rule}`, expression: [expression] };
}

const SEGMENT = /^([^[]+)(\[x\])?(?:\[(\d+)\])?$/;

/**
 * medplum names elements under a choice by the element, `Observation.value[x].value`; we name the
 * JSON property the client sent, `Observation.valueQuantity.value`, like element-walk.ts does.
 */
export function withChoiceTypes(resource: unknown, expression: string): string {
  if (!expression.includes('[x]')) return expression;
  const [head, ...segments] = expression.split('.');
  const out = [head];
  let cursor: unknown = resource;
  for (const segment of segments) {
    const match = SEGMENT.exec(segment);
    if (!match) return expression;
    const object = isObject(cursor) ? cursor : {};
    const name = match[2] ? (choiceKeysIn(object, match[1])[0] ?? `${match[1]}[x]`) : match[1];
    cursor = object[name];
    if (match[3] !== undefined) cursor = Array.isArray(cursor) ? cursor[Number(match[3])] : undefined;
    out.push(match[3] !== undefined ? `${name}[${match[3]}]` : name);
  }
  return out.join('.');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import type { CodeSet } from './value-set-expansion';

/**
 * Required bindings (R4 terminologies §4.1.5.1: "the concept SHALL be from the specified value
 * set"), which @medplum/core's validateResource does not check at all.
 *
 * Each function returns a rule text for the diagnostics, or undefined when the value conforms or
 * has the wrong JSON shape (the structural validator reports shapes). Texts never contain the value.
 */

/** `code` (and string/uri bound elements): the system is implied by the binding. */
export function checkBoundCode(value: unknown, valueSet: CodeSet): string | undefined {
  if (typeof value !== 'string') return undefined;
  return valueSet.codes.has(value) ? undefined : `code is not in the required value set ${valueSet.url}`;
}

/** A Coding must carry both the system and a code of the value set. */
export function checkBoundCoding(value: unknown, valueSet: CodeSet): string | undefined {
  if (!isObject(value)) return undefined;
  return codingInValueSet(value, valueSet) ? undefined : `coding is not in the required value set ${valueSet.url}`;
}

/**
 * A CodeableConcept conforms when at least one of its codings is from the value set; one with
 * text only does not (the binding requires a concept, not a description).
 */
export function checkBoundCodeableConcept(value: unknown, valueSet: CodeSet): string | undefined {
  if (!isObject(value)) return undefined;
  const codings = value.coding;
  if (Array.isArray(codings) && codings.some((coding) => isObject(coding) && codingInValueSet(coding, valueSet))) {
    return undefined;
  }
  return `no coding is from the required value set ${valueSet.url}`;
}

function codingInValueSet(coding: Record<string, unknown>, valueSet: CodeSet): boolean {
  const { system, code } = coding;
  return typeof system === 'string' && typeof code === 'string' && !!valueSet.bySystem.get(system)?.has(code);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type BindingCheck = (value: unknown, valueSet: CodeSet) => string | undefined;

/** The check for an element of the given FHIR type, or undefined when a binding on it cannot apply. */
export function bindingCheckFor(typeCode: string): BindingCheck | undefined {
  switch (typeCode) {
    case 'code':
    case 'string':
    case 'uri':
    case 'canonical':
      return checkBoundCode;
    case 'Coding':
      return checkBoundCoding;
    case 'CodeableConcept':
      return checkBoundCodeableConcept;
    default:
      return undefined; // e.g. Quantity bound to UCUM: not expandable locally anyway
  }
}

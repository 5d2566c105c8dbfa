import { checkReference, referenceTargetTypes } from './reference-format';

const context = {
  resourceTypes: new Set(['Patient', 'Group', 'Practitioner', 'Organization']),
  containedIds: new Set(['org']),
};
const patientOrGroup = new Set(['Patient', 'Group']);

describe('checkReference', () => {
  it.each([
    'Patient/p-1',
    'Patient/p-1/_history/3',
    'Group/g.1',
    'Patient?identifier=urn:oid:1.2.643.100.3|11223344595',
    'https://fhir.example.org/Practitioner/1',
    'urn:uuid:0d3b5a3c-6f7b-4a7e-9a55-1c7c4c1f3a10',
    '#org',
    '#',
  ])('%s conforms', (reference) => {
    expect(checkReference(reference, patientOrGroup, context)).toBeUndefined();
  });

  it.each([
    ['Patient/', 'relative reference must be Type/id with a valid id'],
    ['Patient/a b', 'relative reference must be Type/id with a valid id'],
    ['Patient/1/_history/', 'relative reference must be Type/id with a valid id'],
    ['Pasient/1', 'reference names an unknown resource type'],
    ['Practitioner/1', 'reference target type is not allowed here (allowed: Patient, Group)'],
    ['Practitioner?name=x', 'reference target type is not allowed here (allowed: Patient, Group)'],
    ['#missing', 'local reference does not match any contained resource id'],
    ['Иванов Иван', 'reference must be Type/id, an absolute URI, a conditional Type?query or a local #id'],
  ])('%s fails: %s', (reference, rule) => {
    expect(checkReference(reference, patientOrGroup, context)).toBe(rule);
  });

  it('allows any known type when the element allows any', () => {
    expect(checkReference('Practitioner/1', undefined, context)).toBeUndefined();
  });
});

describe('referenceTargetTypes', () => {
  const core = (type: string): string => `http://hl7.org/fhir/StructureDefinition/${type}`;
  it('lists the core types of the target profiles', () => {
    expect(referenceTargetTypes([core('Patient'), core('Group')], context.resourceTypes)).toEqual(patientOrGroup);
  });

  it('gives undefined (any) for Reference(Any), no target profiles, or a profile it cannot resolve', () => {
    expect(referenceTargetTypes(undefined, context.resourceTypes)).toBeUndefined();
    expect(referenceTargetTypes([core('Resource')], context.resourceTypes)).toBeUndefined();
    expect(
      referenceTargetTypes(
        [core('Patient'), 'https://kartoteka.example/fhir/StructureDefinition/x'],
        context.resourceTypes,
      ),
    ).toBeUndefined();
  });
});

import { expressionForType, splitUnion } from './split-expression';

describe('splitUnion', () => {
  it('splits a union at its top level only', () => {
    expect(splitUnion("A.b | (A.c as Quantity) | A.d.where(x = 'p|q') | A.e.where(f | g)")).toEqual([
      'A.b',
      '(A.c as Quantity)',
      "A.d.where(x = 'p|q')",
      'A.e.where(f | g)',
    ]);
  });

  it('returns a single expression whole', () => {
    expect(splitUnion('Observation.code')).toEqual(['Observation.code']);
  });
});

describe('expressionForType', () => {
  const patient =
    'AllergyIntolerance.patient | CarePlan.subject.where(resolve() is Patient) | ' +
    'Observation.subject.where(resolve() is Patient) | ObservationDefinition.x';

  it('keeps only the parts rooted at the type', () => {
    expect(expressionForType(patient, 'Observation')).toBe('Observation.subject.where(resolve() is Patient)');
    expect(expressionForType(patient, 'AllergyIntolerance')).toBe('AllergyIntolerance.patient');
  });

  it('does not take a type whose name extends another (Observation vs ObservationDefinition)', () => {
    expect(expressionForType('ObservationDefinition.code', 'Observation')).toBeUndefined();
  });

  it('keeps parenthesised parts', () => {
    expect(
      expressionForType('(Observation.value as Quantity) | (Observation.value as SampledData)', 'Observation'),
    ).toBe('(Observation.value as Quantity) | (Observation.value as SampledData)');
  });

  it('roots Resource and DomainResource parts at the concrete type', () => {
    expect(expressionForType('Resource.meta.tag', 'Patient')).toBe('Patient.meta.tag');
    expect(expressionForType('DomainResource.text', 'Encounter')).toBe('Encounter.text');
  });

  it('returns undefined when no part applies', () => {
    expect(expressionForType('Account.subject', 'Patient')).toBeUndefined();
  });
});

import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { FhirError } from '../errors/fhir-error';
import { ResourceValidator } from './resource-validator';
import { encounter, observation, patient } from './typical-resources';

// Loading the R4 definitions and value sets takes ~2 s; one validator serves the whole file.
let validator: ResourceValidator;
beforeAll(() => {
  validator = new ResourceValidator();
}, 60_000);

const GENDER_VS = 'http://hl7.org/fhir/ValueSet/administrative-gender';

function errorAt(expression: string, code: OperationOutcomeIssue['code'], rule: string): OperationOutcomeIssue {
  return { severity: 'error', code, diagnostics: `${expression}: ${rule}`, expression: [expression] };
}

describe('valid resources', () => {
  const valid: Record<string, unknown> = {
    Patient: patient(),
    Observation: observation(),
    Encounter: encounter(),
    Condition: {
      resourceType: 'Condition',
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'J06.9' }], text: 'ОРВИ' },
      subject: { reference: 'Patient/p-1' },
      onsetDateTime: '2024-02-29',
    },
    Organization: { resourceType: 'Organization', id: 'org.1', name: 'ГКБ № 1', active: true },
    'Patient with a contained Organization': {
      resourceType: 'Patient',
      contained: [{ resourceType: 'Organization', id: 'org', name: 'Поликлиника' }],
      managingOrganization: { reference: '#org' },
    },
    'transaction Bundle with urn:uuid and conditional references': {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:0d3b5a3c-6f7b-4a7e-9a55-1c7c4c1f3a10',
          resource: patient({ id: undefined }),
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: observation({ subject: { reference: 'urn:uuid:0d3b5a3c-6f7b-4a7e-9a55-1c7c4c1f3a10' } }),
          request: { method: 'POST', url: 'Observation' },
        },
        {
          resource: encounter({ subject: { reference: 'Patient?identifier=urn:oid:1.2.643.100.3|11223344595' } }),
          request: { method: 'POST', url: 'Encounter' },
        },
      ],
    },
  };

  it.each(Object.entries(valid))('%s validates with no issues', (_name, resource) => {
    expect(validator.validate(resource)).toEqual([]);
    expect(() => validator.assertValid(resource)).not.toThrow();
  });
});

describe('required bindings (not checked by medplum)', () => {
  it.each([
    ['Patient.gender', patient({ gender: 'robot' }), GENDER_VS],
    ['Observation.status', observation({ status: 'final-ish' }), 'http://hl7.org/fhir/ValueSet/observation-status'],
    ['Encounter.status', encounter({ status: 'walking' }), 'http://hl7.org/fhir/ValueSet/encounter-status'],
    [
      'Patient.identifier[0].use',
      patient({ identifier: [{ use: 'primary', system: 'urn:oid:1.2.643.100.3', value: '11223344595' }] }),
      'http://hl7.org/fhir/ValueSet/identifier-use',
    ],
    ['Patient.contact[0].gender', patient({ contact: [{ name: { family: 'Петрова' }, gender: 'robot' }] }), GENDER_VS],
    [
      'Observation.valueQuantity.comparator',
      observation({ valueQuantity: { value: 5, comparator: '~' } }),
      'http://hl7.org/fhir/ValueSet/quantity-comparator',
    ],
    [
      'Patient.extension[0].valueIdentifier.use',
      patient({ extension: [{ url: 'https://kartoteka.example/ext', valueIdentifier: { use: 'primary' } }] }),
      'http://hl7.org/fhir/ValueSet/identifier-use',
    ],
    [
      'Bundle.entry[0].resource.gender',
      { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient({ gender: 'robot' }) }] },
      GENDER_VS,
    ],
  ])('%s outside its value set fails', (expression, resource, valueSet) => {
    expect(validator.validate(resource)).toEqual([
      errorAt(expression, 'code-invalid', `code is not in the required value set ${valueSet}`),
    ]);
  });

  const clinical = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
  const condition = (clinicalStatus: unknown): Record<string, unknown> => ({
    resourceType: 'Condition',
    subject: { reference: 'Patient/p-1' },
    clinicalStatus,
  });

  it('a CodeableConcept passes when one of its codings is from the value set', () => {
    const both = {
      coding: [
        { system: 'http://snomed.info/sct', code: '55561003' },
        { system: clinical, code: 'active' },
      ],
    };
    expect(validator.validate(condition(both))).toEqual([]);
  });

  it.each([
    ['a code of the right system that is not in it', { coding: [{ system: clinical, code: 'activ' }] }],
    ['the right code with another system', { coding: [{ system: 'http://example.org', code: 'active' }] }],
    ['text only', { text: 'active' }],
  ])('a CodeableConcept with %s fails', (_name, clinicalStatus) => {
    expect(validator.validate(condition(clinicalStatus))).toEqual([
      errorAt(
        'Condition.clinicalStatus',
        'code-invalid',
        'no coding is from the required value set http://hl7.org/fhir/ValueSet/condition-clinical',
      ),
    ]);
  });

  it('skips required bindings that cannot be expanded locally (BCP-13 mime types)', () => {
    const withPhoto = patient({ photo: [{ contentType: 'application/x-kartoteka-anything', data: 'AAAA' }] });
    expect(validator.validate(withPhoto)).toEqual([]);
  });
});

describe('ids (Resource.id is a plain string to medplum)', () => {
  const rule = "id must be 1-64 characters of A-Z, a-z, 0-9, '-' and '.'";
  it.each([
    ['spaces and punctuation', 'bad id!!'],
    ['65 characters', 'a'.repeat(65)],
    ['a slash', 'Patient/1'],
  ])('Patient.id with %s fails', (_name, id) => {
    expect(validator.validate(patient({ id }))).toEqual([errorAt('Patient.id', 'value', rule)]);
  });

  it('accepts 64 characters of the allowed alphabet', () => {
    expect(validator.validate(patient({ id: `A-z.0${'9'.repeat(59)}` }))).toEqual([]);
  });

  it('checks the id of contained resources too', () => {
    const resource = patient({ contained: [{ resourceType: 'Organization', id: 'o 1', name: 'x' }] });
    expect(validator.validate(resource)).toEqual([errorAt('Patient.contained[0].id', 'value', rule)]);
  });

  it('rejects a bad meta.versionId', () => {
    expect(validator.validate(patient({ meta: { versionId: 'v 1' } }))).toEqual([
      errorAt('Patient.meta.versionId', 'structure', 'invalid id format'),
    ]);
  });
});

describe('structure', () => {
  it.each([
    ['an unknown element', { foo: 1 }, 'Patient.foo', 'element is not defined here'],
    ['a wrong JSON type', { active: 'yes' }, 'Patient.active', 'wrong JSON type: expected boolean, got string'],
    ['an array for a single element', { gender: ['male'] }, 'Patient.gender', 'must be a single value, not an array'],
    ['a single value for an array', { name: { family: 'Иванов' } }, 'Patient.name', 'must be a JSON array'],
    ['a number where an object belongs', { name: [1] }, 'Patient.name[0]', 'expected a JSON object (HumanName)'],
    ['a string where an object belongs', { meta: 'x' }, 'Patient.meta', 'expected a JSON object (Meta)'],
    ['an empty array', { name: [] }, 'Patient.name', 'arrays must not be empty'],
    ['null', { gender: null }, 'Patient.gender', 'null is not allowed here'],
    [
      'a literal [x] name',
      { 'deceased[x]': true },
      'Patient.deceased[x]',
      'element name must name the chosen type, not [x]',
    ],
    [
      'two types of one choice element',
      { multipleBirthBoolean: true, multipleBirthInteger: 2 },
      'Patient.multipleBirth',
      'only one type may be given for a choice element [x]',
    ],
  ])('%s fails', (_name, patch, expression, rule) => {
    expect(validator.validate(patient(patch))).toEqual([errorAt(expression, 'structure', rule)]);
  });

  it('reports a missing required element', () => {
    const { status: _omitted, ...withoutStatus } = observation();
    expect(validator.validate(withoutStatus)).toEqual([
      errorAt('Observation.status', 'structure', 'required element is missing'),
    ]);
  });

  it('names the JSON property inside a choice element, not value[x]', () => {
    expect(validator.validate(observation({ valueQuantity: { value: '72' } }))).toEqual([
      errorAt('Observation.valueQuantity.value', 'structure', 'wrong JSON type: expected number, got string'),
    ]);
  });

  it('reports invariants with their key and human text', () => {
    expect(validator.validate(patient({ contact: [{ gender: 'female' }] }))).toEqual([
      errorAt(
        'Patient.contact[0]',
        'invariant',
        "invariant pat-1 not met: SHALL at least contain a contact's details or a reference to an organization",
      ),
    ]);
  });

  it('reports an unknown contained resourceType at its element', () => {
    expect(validator.validate(patient({ contained: [{ resourceType: 'Foo', id: 'x' }] }))).toEqual([
      errorAt('Patient.contained[0].resourceType', 'structure', 'resourceType must name a concrete R4 resource type'),
    ]);
  });

  it('reports a malformed primitive extension', () => {
    expect(validator.validate(patient({ _birthDate: 'x' }))).toEqual([
      errorAt('Patient', 'structure', 'could not be validated: malformed JSON structure'),
      errorAt(
        'Patient._birthDate',
        'structure',
        'primitive extension must be a JSON object, or an array of objects and nulls',
      ),
    ]);
  });
});

describe('dates', () => {
  it.each([
    [
      'a month out of range (medplum)',
      { birthDate: '1980-13-01' },
      'Patient.birthDate',
      'structure',
      'invalid date format',
    ],
    [
      '30 February',
      { birthDate: '2023-02-30' },
      'Patient.birthDate',
      'value',
      'date is not a calendar date (day out of range for the month)',
    ],
    [
      '29 February of a common year',
      { birthDate: '1900-02-29' },
      'Patient.birthDate',
      'value',
      'date is not a calendar date (day out of range for the month)',
    ],
    [
      'a dateTime without timezone',
      { deceasedDateTime: '2020-01-01T10:00:00' },
      'Patient.deceasedDateTime',
      'value',
      'dateTime with a time must have hours, minutes, seconds and a timezone; without a time it must not have a timezone',
    ],
    [
      'a dateTime with hours only',
      { deceasedDateTime: '2020-01-01T10' },
      'Patient.deceasedDateTime',
      'value',
      'dateTime with a time must have hours, minutes, seconds and a timezone; without a time it must not have a timezone',
    ],
    [
      'an instant without time (medplum)',
      { meta: { lastUpdated: '2020-01-01' } },
      'Patient.meta.lastUpdated',
      'structure',
      'invalid instant format',
    ],
    [
      'an instant on 31 April',
      { meta: { lastUpdated: '2020-04-31T10:00:00Z' } },
      'Patient.meta.lastUpdated',
      'value',
      'instant is not a calendar date (day out of range for the month)',
    ],
  ] as const)('%s fails', (_name, patch, expression, code, rule) => {
    expect(validator.validate(patient(patch))).toEqual([errorAt(expression, code, rule)]);
  });

  it.each(['1980', '1980-02', '2024-02-29', '2000-02-29'])('birthDate %s passes', (birthDate) => {
    expect(validator.validate(patient({ birthDate }))).toEqual([]);
  });
});

describe('references', () => {
  it.each([
    ['free text', 'not a ref', 'reference must be Type/id, an absolute URI, a conditional Type?query or a local #id'],
    ['a type without id', 'Patient/', 'relative reference must be Type/id with a valid id'],
    ['an unknown type', 'Pasient/1', 'reference names an unknown resource type'],
    [
      'a type the element does not allow',
      'Practitioner/1',
      'reference target type is not allowed here (allowed: Patient, Group, Device, Location)',
    ],
    [
      'a local reference without contained resource',
      '#nothing',
      'local reference does not match any contained resource id',
    ],
  ])('Observation.subject with %s fails', (_name, reference, rule) => {
    expect(validator.validate(observation({ subject: { reference } }))).toEqual([
      errorAt('Observation.subject.reference', 'value', rule),
    ]);
  });

  it.each([
    'Patient/p-1',
    'Patient/p-1/_history/2',
    'https://fhir.example.org/Patient/1',
    'urn:uuid:0d3b5a3c-6f7b-4a7e-9a55-1c7c4c1f3a10',
  ])('Observation.subject %s passes', (reference) => {
    expect(validator.validate(observation({ subject: { reference } }))).toEqual([]);
  });
});

describe('not a resource (400) vs invalid resource (422)', () => {
  it.each([
    ['an array', [patient()], 'Resource', 'the body must be a JSON object (a FHIR resource)'],
    ['a string', 'Patient', 'Resource', 'the body must be a JSON object (a FHIR resource)'],
    ['null', null, 'Resource', 'the body must be a JSON object (a FHIR resource)'],
    ['no resourceType', { name: [{ family: 'Иванов' }] }, 'Resource.resourceType', 'resourceType is required'],
    [
      'an unknown resourceType',
      { resourceType: 'Pasient' },
      'Resource.resourceType',
      'resourceType must name a concrete R4 resource type',
    ],
    [
      'an abstract resourceType',
      { resourceType: 'DomainResource' },
      'Resource.resourceType',
      'resourceType must name a concrete R4 resource type',
    ],
  ])('%s is answered 400', (_name, body, expression, rule) => {
    const issues = [errorAt(expression, 'structure', rule)];
    expect(validator.validate(body)).toEqual(issues);
    expect(thrown(() => validator.assertValid(body))).toEqual({ status: 400, issues });
  });

  it('an invalid resource is answered 422 with all its issues', () => {
    const body = patient({ gender: 'robot', birthDate: '2023-02-30' });
    expect(thrown(() => validator.assertValid(body))).toEqual({
      status: 422,
      issues: [
        errorAt('Patient.gender', 'code-invalid', `code is not in the required value set ${GENDER_VS}`),
        errorAt('Patient.birthDate', 'value', 'date is not a calendar date (day out of range for the month)'),
      ],
    });
  });
});

describe('no PHI in the texts', () => {
  const secret = 'Иванов-112-233-445-95';
  it.each([
    ['an unknown code', { gender: secret }],
    ['a bad id', { id: secret }],
    ['a bad date', { birthDate: secret }],
    ['a wrong type', { active: secret }],
    ['a bad reference', { managingOrganization: { reference: secret } }],
    ['a bad nested code', { name: [{ use: secret, family: 'Иванов' }] }],
    ['an array in place of a string', { name: [{ family: [secret] }] }],
  ])('%s is reported without its value', (_name, patch) => {
    const issues = validator.validate(patient(patch));
    expect(issues.length).toBeGreaterThan(0);
    expect(JSON.stringify(issues)).not.toContain(secret);
    expect(JSON.stringify(issues)).not.toContain('Иванов');
  });

  it('does not echo the reference medplum quotes in its own warning', () => {
    const issues = validator.validate(observation({ subject: { reference: `Practitioner/${'x'.repeat(10)}` } }));
    expect(JSON.stringify(issues)).not.toContain('xxxxxxxxxx');
  });
});

function thrown(fn: () => void): { status: number; issues: OperationOutcomeIssue[] } | undefined {
  try {
    fn();
    return undefined;
  } catch (err: unknown) {
    if (!(err instanceof FhirError)) throw err;
    return { status: err.status, issues: err.outcome.issue ?? [] };
  }
}

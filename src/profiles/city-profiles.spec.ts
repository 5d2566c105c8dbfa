import fc from 'fast-check';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { FhirError } from '../fhir/errors/fhir-error';
import { ResourceValidator } from '../fhir/validation/resource-validator';
import { isValidSnils, snilsFromNumber } from '../seed/snils';
import { ProfileCatalog } from './profile-catalog';
import { loadProfilePackage, type ProfilePackage } from './profile-package';

/**
 * Each city profile with valid and invalid instances, as a write would see them: the resource
 * claims the profile in meta.profile and ProfileCatalog.assertValid answers 422 naming the element
 * and the rule (the invariant key for FHIRPath rules).
 */
const SD = 'https://kartoteka.example/fhir/StructureDefinition';
const SNILS = 'urn:oid:1.2.643.100.3';
const OMS = 'urn:oid:1.2.643.2.69.1.1.1.6.228';

let pkg: ProfilePackage;
let catalog: ProfileCatalog;
beforeAll(() => {
  pkg = loadProfilePackage();
  catalog = new ProfileCatalog(new ResourceValidator());
  catalog.load(pkg);
}, 60_000);

type Json = Record<string, unknown>;
const example = (type: string): Json => structuredClone(pkg.examples.find((r) => r.resourceType === type)) as unknown as Json;
const patient = (patch: Json = {}): Json => ({ ...example('Patient'), ...patch });
const without = (r: Json, ...keys: string[]): Json => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));

function issues(resource: Json): OperationOutcomeIssue[] {
  try {
    catalog.assertValid(resource);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(FhirError);
    expect((e as FhirError).status).toBe(422);
    return (e as FhirError).outcome.issue;
  }
}
/** "expression: rule" of each error, the invariant texts cut after the key. */
const summary = (resource: Json): string[] =>
  issues(resource).map((i) => (i.diagnostics ?? '').replace(/(invariant [\w-]+) not met: .*/s, '$1'));

describe('city-patient', () => {
  it('accepts the example, SNILS or OMS alone, a name without patronymic, local identifiers beside', () => {
    expect(summary(patient())).toEqual([]);
    expect(summary(patient({ identifier: [{ system: SNILS, value: '11223344595' }] }))).toEqual([]);
    expect(summary(patient({ identifier: [{ system: OMS, value: '7798299768000012' }, { system: 'urn:clinic:mrn', value: 'A-1' }] }))).toEqual([]);
    expect(summary(patient({ name: [{ family: 'Smith', given: ['John'] }] }))).toEqual([]);
    // SNILS numbers up to 001-001-998 were issued before the check rule
    expect(summary(patient({ identifier: [{ system: SNILS, value: '00100199800' }] }))).toEqual([]);
  });

  it.each([
    ['a wrong check number', '11223344594'],
    ['separators', '112-233-445 95'],
    ['ten digits', '1122334459'],
    ['twelve digits', '112233445950'],
    ['letters', '1122334459A'],
    ['the first number under the rule with a wrong check', '00100199900'],
  ])('refuses a SNILS with %s: snils-checksum on the identifier', (_what, value) => {
    expect(summary(patient({ identifier: [{ system: 'urn:clinic:mrn', value: 'A-1' }, { system: SNILS, value }] }))).toEqual([
      'Patient.identifier[1]: invariant snils-checksum',
    ]);
  });

  it.each([['15 digits', '779829976800001'], ['17 digits', '77982997680000123'], ['spaces', '7798 2997 6800 0012'], ['letters', '779829976800001X']])(
    'refuses an OMS number of %s: oms-number-format',
    (_what, value) => {
      expect(summary(patient({ identifier: [{ system: OMS, value }] }))).toEqual(['Patient.identifier[0]: invariant oms-number-format']);
    },
  );

  it('the invariant agrees with the checksum of the seed generator on any 11 digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{11}$/), (value) => {
        const ok = summary(patient({ identifier: [{ system: SNILS, value }] })).length === 0;
        expect(ok).toBe(isValidSnils(value));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1_002_000, max: 999_999_999 }), (n) => {
        const value = snilsFromNumber(n);
        expect(summary(patient({ identifier: [{ system: SNILS, value }] }))).toEqual([]);
        const wrong = value.slice(0, 9) + String((Number(value.slice(9)) + 1) % 100).padStart(2, '0');
        expect(summary(patient({ identifier: [{ system: SNILS, value: wrong }] }))).toEqual(['Patient.identifier[0]: invariant snils-checksum']);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a Patient without SNILS or OMS, without name, birth date, gender or polyclinic', () => {
    const bare = without(patient({ identifier: [{ system: 'urn:clinic:mrn', value: 'A-1' }] }), 'name', 'birthDate', 'gender', 'managingOrganization');
    expect(summary(bare)).toEqual([
      'Patient: invariant city-patient-identity',
      'Patient.name: required element is missing',
      'Patient.gender: required element is missing',
      'Patient.birthDate: required element is missing',
      'Patient.managingOrganization: required element is missing',
    ]);
  });

  it('takes the patronymic as the second given name and nothing more; the polyclinic is an Organization', () => {
    expect(
      summary(
        patient({
          name: [{ family: 'Иванов', given: ['Иван', 'Иванович', 'Петрович'] }],
          managingOrganization: { reference: 'Practitioner/p1' },
        }),
      ),
    ).toEqual([
      'Patient.name.given: cardinality 1..2 not met (found 3)',
      'Patient.managingOrganization.reference: reference target type is not allowed here (allowed: Organization)',
    ]);
  });

  it('never echoes the number in the outcome', () => {
    const text = JSON.stringify(issues(patient({ identifier: [{ system: SNILS, value: '98765432100' }] })));
    expect(text).toContain('snils-checksum');
    expect(text).not.toContain('98765432100');
  });
});

describe('city-encounter', () => {
  const encounter = (patch: Json = {}): Json => ({ ...example('Encounter'), ...patch });

  it('accepts the example and every class of the city value set', () => {
    expect(summary(encounter())).toEqual([]);
    for (const code of ['EMER', 'IMP', 'HH', 'VR']) {
      expect(summary(encounter({ class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code } }))).toEqual([]);
    }
  });

  it('requires serviceProvider (an Organization), a subject and a start; binds class', () => {
    expect(summary(without(encounter(), 'serviceProvider', 'subject'))).toEqual([
      'Encounter.subject: required element is missing',
      'Encounter.serviceProvider: required element is missing',
    ]);
    expect(
      summary(
        encounter({
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PRENC-X' },
          serviceProvider: { reference: 'Location/l1' },
          period: { end: '2024-11-20T10:00:00+03:00' },
        }),
      ),
    ).toEqual([
      'Encounter.period.start: required element is missing',
      'Encounter.class: coding is not in the required value set https://kartoteka.example/fhir/ValueSet/city-encounter-class',
      'Encounter.serviceProvider.reference: reference target type is not allowed here (allowed: Organization)',
    ]);
  });
});

describe('city-observation', () => {
  const observation = (patch: Json = {}): Json => ({ ...example('Observation'), ...patch });

  it('accepts the example, a value-less one with dataAbsentReason, and a panel of components', () => {
    expect(summary(observation())).toEqual([]);
    expect(summary({ ...without(observation(), 'valueQuantity'), dataAbsentReason: { text: 'refused' } })).toEqual([]);
    expect(
      summary({
        ...without(observation(), 'valueQuantity'),
        component: [{ code: { text: 'systolic' }, valueQuantity: { value: 120, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } }],
      }),
    ).toEqual([]);
  });

  it('requires category, coding, subject, effective time, a value or its absence, UCUM quantities', () => {
    expect(summary(without(observation(), 'category', 'subject', 'effectiveDateTime', 'valueQuantity'))).toEqual([
      'Observation: invariant city-obs-value',
      'Observation.category: required element is missing',
      'Observation.subject: required element is missing',
      'Observation.effective[x]: required element is missing',
    ]);
    expect(summary(observation({ code: { text: 'weight' }, valueQuantity: { value: 82.5, unit: 'kg' } }))).toEqual([
      'Observation: invariant city-obs-ucum',
      'Observation.code.coding: required element is missing',
    ]);
  });
});

describe('meta.profile claims', () => {
  it('passes what claims nothing, or only the base definition of its own type', () => {
    expect(summary(without(patient({ identifier: [] }), 'meta', 'name'))).toEqual([]);
    expect(summary(patient({ meta: { profile: ['http://hl7.org/fhir/StructureDefinition/Patient'] }, name: [] }))).toEqual([]);
  });

  it('refuses a profile this server does not know, and a profile of another type', () => {
    expect(summary(patient({ meta: { profile: [`${SD}/city-patient`, 'http://example.org/StructureDefinition/other'] } }))).toEqual([
      'Patient.meta.profile[1]: the resource claims a profile this server does not know',
    ]);
    expect(summary(patient({ meta: { profile: [`${SD}/city-encounter`] } }))).toEqual([
      `Patient.resourceType: does not match the type of the profile ${SD}/city-encounter`,
    ]);
  });

  it('ignores the version in a claim', () => {
    expect(summary(patient({ meta: { profile: [`${SD}/city-patient|0.1.0`] } }))).toEqual([]);
    expect(catalog.lookup(`${SD}/city-patient|0.1.0`)?.id).toBe('city-patient');
  });

  it('$validate: against the profile asked for, else the base definition and the claimed profiles', () => {
    const unclaimed = without(patient({ identifier: [{ system: SNILS, value: '11223344594' }] }), 'meta');
    expect(catalog.validate(unclaimed)).toEqual([]);
    const profile = catalog.lookup(`${SD}/city-patient`);
    expect(catalog.validate(unclaimed, { profile }).map((i) => i.expression)).toEqual([['Patient.identifier[0]']]);
    expect(catalog.validate({ ...unclaimed, meta: { profile: [`${SD}/city-patient`] } }).map((i) => i.expression)).toEqual([
      ['Patient.identifier[0]'],
    ]);
  });
});


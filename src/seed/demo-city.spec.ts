import type { Encounter, Patient, Resource } from '@medplum/fhirtypes';
import { DEMO_IDS, demoCity } from './demo-city';
import { OMS_SYSTEM, SNILS_SYSTEM } from './identifier-systems';
import { isOmsNumberFormat } from './oms';
import { referencesIn } from './reference-walk';
import { isValidSnils } from './snils';

const bundle = demoCity();
const resources = bundle.entry!.map((e) => e.resource!);
const ofType = <K extends Resource['resourceType']>(type: K) =>
  resources.filter((r): r is Extract<Resource, { resourceType: K }> => r.resourceType === type);
const forPatient = (id: string) => resources.filter((r) => referencesIn(r).includes(`Patient/${id}`));

describe('demoCity', () => {
  it('is a transaction of PUTs with stable urls and unique urn:uuid fullUrls', () => {
    expect(bundle.type).toBe('transaction');
    for (const e of bundle.entry!) {
      expect(e.fullUrl).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(e.request).toEqual({ method: 'PUT', url: `${e.resource!.resourceType}/${e.resource!.id}` });
      expect(e.resource!.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    }
    expect(new Set(bundle.entry!.map((e) => e.fullUrl)).size).toBe(bundle.entry!.length);
    expect(new Set(bundle.entry!.map((e) => e.request!.url)).size).toBe(bundle.entry!.length);
  });

  it('is identical on every call', () => {
    expect(JSON.stringify(demoCity())).toBe(JSON.stringify(bundle));
  });

  it('has the directory the brief fixes', () => {
    expect(ofType('Organization').map((r) => r.id)).toEqual([...DEMO_IDS.polyclinics, DEMO_IDS.hospital]);
    expect(ofType('Location')).toHaveLength(4);
    expect(ofType('Practitioner').map((r) => r.id)).toEqual(DEMO_IDS.practitioners);
    expect(ofType('PractitionerRole')).toHaveLength(6);
    for (const role of ofType('PractitionerRole')) expect(role.active).toBe(true);
    expect(ofType('Patient').map((r) => r.id)).toEqual([...DEMO_IDS.polyclinicPatients, DEMO_IDS.hospitalPatient]);
  });

  it('resolves every reference to an entry of the bundle', () => {
    const urls = new Set(bundle.entry!.map((e) => e.request!.url));
    const dangling = resources.flatMap((r) => referencesIn(r).filter((ref) => !urls.has(ref)).map((ref) => `${r.id} -> ${ref}`));
    expect(dangling).toEqual([]);
  });

  it('gives every patient a valid, unique SNILS and OMS number and a patronymic', () => {
    const patients = ofType('Patient');
    const snils = patients.map((p) => p.identifier!.find((i) => i.system === SNILS_SYSTEM)!.value!);
    const oms = patients.map((p) => p.identifier!.find((i) => i.system === OMS_SYSTEM)!.value!);
    expect(snils.every(isValidSnils)).toBe(true);
    expect(oms.every(isOmsNumberFormat)).toBe(true);
    expect(new Set(snils).size).toBe(patients.length);
    expect(new Set(oms).size).toBe(patients.length);
    for (const p of patients) expect(p.name![0].given![1]).toMatch(/(вич|ич|вна|чна)$/);
    const practitionerSnils = ofType('Practitioner').map((p) => p.identifier![0].value!);
    expect(practitionerSnils.every(isValidSnils)).toBe(true);
    expect(new Set([...snils, ...practitionerSnils]).size).toBe(patients.length + practitionerSnils.length);
  });

  it('gives each polyclinic patient 1-3 visits, all at their own polyclinic, and a full record', () => {
    for (const id of DEMO_IDS.polyclinicPatients) {
      const patient = resources.find((r) => r.id === id) as Patient;
      const own = patient.managingOrganization!.reference;
      expect(DEMO_IDS.polyclinics.map((o) => `Organization/${o}`)).toContain(own);
      const mine = forPatient(id);
      const encounters = mine.filter((r): r is Encounter => r.resourceType === 'Encounter');
      expect(encounters.length).toBeGreaterThanOrEqual(1);
      expect(encounters.length).toBeLessThanOrEqual(3);
      for (const e of encounters) expect(e.serviceProvider!.reference).toBe(own);
      const types = new Set(mine.map((r) => r.resourceType));
      for (const t of ['Observation', 'Condition', 'MedicationRequest', 'DiagnosticReport', 'Procedure']) expect(types).toContain(t);
    }
  });

  it('keeps the hospital patient away from the polyclinics', () => {
    const mine = forPatient(DEMO_IDS.hospitalPatient);
    const patient = resources.find((r) => r.id === DEMO_IDS.hospitalPatient) as Patient;
    expect(patient.managingOrganization!.reference).toBe(`Organization/${DEMO_IDS.hospital}`);
    const encounters = mine.filter((r): r is Encounter => r.resourceType === 'Encounter');
    expect(encounters.length).toBeGreaterThan(0);
    for (const e of encounters) {
      expect(e.serviceProvider!.reference).toBe(`Organization/${DEMO_IDS.hospital}`);
      expect(e.class.code).toBe('IMP');
    }
    const polyclinicRefs = DEMO_IDS.polyclinics.map((o) => `Organization/${o}`);
    expect(mine.flatMap((r) => referencesIn(r)).filter((ref) => polyclinicRefs.includes(ref))).toEqual([]);
    // And no polyclinic patient ever went to the hospital.
    const polyclinicEncounters = ofType('Encounter').filter((e) => e.subject!.reference !== `Patient/${DEMO_IDS.hospitalPatient}`);
    expect(polyclinicEncounters.every((e) => e.class.code === 'AMB')).toBe(true);
  });

  it('contains every resource type the demo promises', () => {
    const types = new Set(resources.map((r) => r.resourceType));
    for (const t of ['AllergyIntolerance', 'Immunization', 'EpisodeOfCare', 'CarePlan', 'Location', 'PractitionerRole']) expect(types).toContain(t);
    const vitals = ofType('Observation').filter((o) => o.category![0].coding![0].code === 'vital-signs');
    const labs = ofType('Observation').filter((o) => o.category![0].coding![0].code === 'laboratory');
    expect(vitals.length).toBeGreaterThan(20);
    expect(labs.length).toBeGreaterThan(20);
    for (const r of ofType('DiagnosticReport')) {
      for (const ref of r.result!) expect(labs.map((l) => `Observation/${l.id}`)).toContain(ref.reference);
    }
  });
});

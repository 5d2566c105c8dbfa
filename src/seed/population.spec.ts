import type { Patient, Resource } from '@medplum/fhirtypes';
import { OMS_SYSTEM, SNILS_SYSTEM } from './identifier-systems';
import { heavyPatientIds, isHeavyPatient, population, populationModel } from './population';
import { referencesIn } from './reference-walk';
import { isValidSnils } from './snils';

const collect = (opts: Parameters<typeof population>[0]) => [...population(opts)];

describe('population', () => {
  const batches = collect({ patients: 300, seed: 3 });
  const [directory, ...patients] = batches;

  it('yields the directory first, then one batch per patient starting with the Patient', () => {
    expect(new Set(directory.map((r) => r.resourceType))).toEqual(new Set(['Organization', 'Location', 'Practitioner', 'PractitionerRole']));
    expect(directory).toHaveLength(10 * 2 + 60 * 2);
    expect(patients).toHaveLength(300);
    patients.forEach((batch, n) => {
      expect(batch[0]).toMatchObject({ resourceType: 'Patient', id: `p3-${n}` });
      expect(batch.slice(1).every((r) => r.id!.startsWith(`p3-${n}-`))).toBe(true);
    });
  });

  it('is identical for the same seed and different for another', () => {
    expect(JSON.stringify(collect({ patients: 40, seed: 3 }))).toBe(JSON.stringify(batches.slice(0, 41)));
    expect(JSON.stringify(collect({ patients: 40, seed: 4 }))).not.toBe(JSON.stringify(batches.slice(0, 41)));
  });

  it('gives a shard the same patients as a single run', () => {
    const shard = collect({ patients: 20, seed: 3, firstPatient: 100, directory: false });
    expect(JSON.stringify(shard)).toBe(JSON.stringify(patients.slice(100, 120)));
  });

  it('resolves every reference within the directory and the patient’s own batch', () => {
    const directoryIds = new Set(directory.map((r) => `${r.resourceType}/${r.id}`));
    const dangling: string[] = [];
    for (const batch of batches) {
      const own = new Set(batch.map((r) => `${r.resourceType}/${r.id}`));
      for (const r of batch) for (const ref of referencesIn(r)) if (!own.has(ref) && !directoryIds.has(ref)) dangling.push(`${r.id} -> ${ref}`);
    }
    expect(dangling).toEqual([]);
  });

  it('uses unique ids, SNILS and OMS numbers, and every SNILS is valid', () => {
    const all = batches.flat();
    expect(new Set(all.map((r) => `${r.resourceType}/${r.id}`)).size).toBe(all.length);
    const people = all.filter((r) => r.resourceType === 'Patient' || r.resourceType === 'Practitioner') as Patient[];
    const snils = people.map((p) => p.identifier!.find((i) => i.system === SNILS_SYSTEM)!.value!);
    expect(snils.every(isValidSnils)).toBe(true);
    expect(new Set(snils).size).toBe(people.length);
    const oms = all.filter((r): r is Patient => r.resourceType === 'Patient').map((p) => p.identifier!.find((i) => i.system === OMS_SYSTEM)!.value!);
    expect(oms.every((o) => /^\d{16}$/.test(o))).toBe(true);
    expect(new Set(oms).size).toBe(300);
  });

  it('makes every hundredth patient heavy (~500 resources) and the rest 20-60 on average', () => {
    expect(heavyPatientIds({ patients: 300, seed: 3 })).toEqual(['p3-0', 'p3-100', 'p3-200']);
    expect(isHeavyPatient(200)).toBe(true);
    expect(isHeavyPatient(201)).toBe(false);
    expect(isHeavyPatient(0, 0)).toBe(false);
    for (const n of [0, 100, 200]) {
      expect(patients[n].length).toBeGreaterThan(300);
      expect(patients[n].length).toBeLessThan(800);
    }
    const normal = patients.filter((_, n) => !isHeavyPatient(n));
    const mean = normal.reduce((s, b) => s + b.length, 0) / normal.length;
    expect(mean).toBeGreaterThan(20);
    expect(mean).toBeLessThan(60);
  });

  it('attaches patients to polyclinics only, and every patient to a practitioner who works there', () => {
    const roles = directory.filter((r) => r.resourceType === 'PractitionerRole') as Extract<Resource, { resourceType: 'PractitionerRole' }>[];
    const worksAt = new Map(roles.map((r) => [r.practitioner!.reference!, r.organization!.reference!]));
    const hospitals = new Set(directory.filter((r) => r.resourceType === 'Organization' && r.name!.includes('больница')).map((r) => `Organization/${r.id}`));
    expect(hospitals.size).toBe(2);
    for (const batch of patients) {
      const p = batch[0] as Patient;
      expect(hospitals.has(p.managingOrganization!.reference!)).toBe(false);
      expect(worksAt.get(p.generalPractitioner![0].reference!)).toBe(p.managingOrganization!.reference);
    }
  });

  it('honours organization and practitioner counts', () => {
    const model = populationModel({ seed: 9, organizations: 3, practitioners: 2 });
    expect(model.directory.filter((r) => r.resourceType === 'Organization')).toHaveLength(3);
    // At least one practitioner per facility, so every patient has someone to be attached to.
    expect(model.directory.filter((r) => r.resourceType === 'Practitioner')).toHaveLength(3);
    expect(model.patient(5)[0].resourceType).toBe('Patient');
  });
});

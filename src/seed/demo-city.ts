import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { clinicalRecord } from './clinical-record';
import type { StaffRoleKey } from './codes-care';
import { attendingFor, facility, staffMember, type CareSite } from './directory';
import type { Gender } from './names';
import { OMS_BLOCKS, uniqueOmsNumber } from './oms';
import { birthInstant, patientResource } from './patient-factory';
import { mix32, Prng } from './prng';
import { RecordContext } from './record-context';
import { SNILS_BLOCKS, uniqueSnils } from './snils';

/**
 * A small, fixed Moscow-like city for development, demos and access tests: three polyclinics and a
 * hospital, six doctors, twelve patients attached to the polyclinics and one patient known only to
 * the hospital. Loaded as a transaction of PUTs with readable ids, so loading it twice changes
 * nothing but versions. Within the Bundle, references are relative (`Patient/pat-1`) and match the
 * entries' `request.url`; `fullUrl` is a stable urn:uuid.
 */

const DEMO_SEED = 20250601;
const DEMO_SALT = mix32(DEMO_SEED);

export const DEMO_IDS = {
  polyclinics: ['org-poly-1', 'org-poly-2', 'org-poly-3'],
  hospital: 'org-hosp-1',
  practitioners: ['pract-1', 'pract-2', 'pract-3', 'pract-4', 'pract-5', 'pract-6'],
  /** Attached to polyclinic ((n - 1) % 3) + 1; seen only there. */
  polyclinicPatients: Array.from({ length: 12 }, (_, i) => `pat-${i + 1}`),
  /** Attached to and treated at the hospital only: the "other" patient of access tests. */
  hospitalPatient: 'pat-13',
} as const;

const POLYCLINIC_NUMBERS = [12, 45, 134];

/** [polyclinic index or 'hospital', post]; the first doctor of each polyclinic is its district therapist. */
const STAFF: readonly [number | 'hospital', StaffRoleKey][] = [
  [0, 'therapist'], [0, 'pediatrician'], [1, 'therapist'], [1, 'cardiologist'], [2, 'familyDoctor'], ['hospital', 'surgeon'],
];

/** Ages and genders are fixed so the city reads the same in every demo; one child, several elderly. */
const PATIENTS: readonly [number, Gender][] = [
  [67, 'female'], [45, 'male'], [34, 'female'], [72, 'male'], [58, 'female'], [29, 'male'],
  [7, 'male'], [81, 'female'], [52, 'male'], [39, 'female'], [63, 'male'], [24, 'female'],
];

export function demoCity(): Bundle {
  const prng = new Prng(DEMO_SEED);
  const resources: Resource[] = [];
  const polyclinics: CareSite[] = POLYCLINIC_NUMBERS.map((number, i) => {
    const f = facility(prng, {
      organizationId: DEMO_IDS.polyclinics[i], locationId: `loc-poly-${i + 1}`, kind: 'polyclinic', number, okrug: i * 3,
    });
    resources.push(f.organization, f.location);
    return f.site;
  });
  const h = facility(prng, { organizationId: DEMO_IDS.hospital, locationId: 'loc-hosp-1', kind: 'hospital', number: 52, okrug: 8 });
  resources.push(h.organization, h.location);

  STAFF.forEach(([where, role], j) => {
    const m = staffMember(prng, {
      practitionerId: DEMO_IDS.practitioners[j], roleId: `pract-role-${j + 1}`, snils: uniqueSnils(500 + j, SNILS_BLOCKS.demo, DEMO_SALT),
      role, site: where === 'hospital' ? h.site : polyclinics[where],
    });
    resources.push(m.practitioner, m.role);
  });

  PATIENTS.forEach(([age, gender], i) => {
    // The child (pat-7) lands at polyclinic 1, the one with a pediatrician.
    const site = polyclinics[i % 3];
    resources.push(...demoPatient(prng, i + 1, age, gender, site, (i % 3) * 3, prng.int(1, 3)));
  });
  resources.push(...demoPatient(prng, 13, 48, 'male', h.site, 8, 1));

  const uuids = new Prng(DEMO_SEED, 0xfeed);
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource): BundleEntry => ({
      fullUrl: `urn:uuid:${uuids.uuid()}`,
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
    })),
  };
}

function demoPatient(prng: Prng, n: number, age: number, gender: Gender, site: CareSite, okrug: number,
  encounters: number): Resource[] {
  const id = `pat-${n}`;
  const attending = attendingFor(site, age, 0);
  const birthMs = birthInstant(prng, age);
  const patient = patientResource(prng, {
    id,
    snils: uniqueSnils(n, SNILS_BLOCKS.demo, DEMO_SALT),
    oms: uniqueOmsNumber(n, OMS_BLOCKS.demo, DEMO_SALT),
    okrug,
    managingOrganization: site.organization,
    generalPractitioner: attending,
  }, gender, birthMs);
  const ctx = new RecordContext(prng, id, gender, birthMs, site, attending);
  ctx.out.push(patient);
  return clinicalRecord(ctx, { encounters, historyYears: 3, ensureEach: true, allergyProbability: 0.35 });
}

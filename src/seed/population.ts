import type { Resource } from '@medplum/fhirtypes';
import { OKRUG_COUNT } from './addresses';
import { clinicalRecord } from './clinical-record';
import { POLYCLINIC_ROLE_CYCLE, type StaffRoleKey } from './codes-care';
import { attendingFor, facility, staffMember, type CareSite } from './directory';
import { OMS_BLOCKS, uniqueOmsNumber } from './oms';
import { birthInstant, patientResource, randomAge, randomGender } from './patient-factory';
import { mix32, Prng } from './prng';
import { RecordContext } from './record-context';
import { SNILS_BLOCKS, uniqueSnils } from './snils';

/**
 * A synthetic city population for load tests and benchmarks, generated as a stream of batches: first
 * the care directory (Organizations, Locations, Practitioners, PractitionerRoles), then one batch
 * per patient (the Patient first, then its record). Patient n depends only on (seed, n), never on
 * the other patients, so shards can be generated in parallel with `firstPatient` and give the same
 * resources as a single run. References are relative (`Type/id`); ids are stable for a seed:
 * patients `p<seed>-<n>`, their resources `p<seed>-<n>-<tag><k>`, organizations `o<seed>-<k>`,
 * locations `l<seed>-<k>`, practitioners `pr<seed>-<k>`, roles `prr<seed>-<k>`.
 *
 * Nested objects such as codings and references are shared between resources to keep generation
 * fast: serialise the resources, do not mutate them in place.
 */

export interface PopulationOptions {
  patients: number;
  seed?: number;
  /** Facilities; every fifth (k % 5 === 4) is a hospital, the rest polyclinics. Default 10. */
  organizations?: number;
  /** Practitioners, spread round-robin over facilities (at least one each). Default 60. */
  practitioners?: number;
  /** Patient n is "heavy" (~500 resources) when n % heavyEvery === 0; 0 disables. Default 100. */
  heavyEvery?: number;
  /** Index of the first patient generated, for sharding a run across workers. Default 0. */
  firstPatient?: number;
  /** Yield the directory batch first. Default true; shards other than the first pass false. */
  directory?: boolean;
}

const HOSPITAL_ROLE_CYCLE: readonly StaffRoleKey[] = ['therapist', 'surgeon', 'cardiologist', 'neurologist'];
const NORMAL_RECORD = { minEncounters: 1, maxEncounters: 5, historyYears: 6 };
/** Heavy patients are older chronic patients, the real heavy users of a polyclinic. */
const HEAVY_RECORD = { minEncounters: 36, maxEncounters: 40, historyYears: 15 };

export function isHeavyPatient(n: number, heavyEvery = 100): boolean {
  return heavyEvery > 0 && n % heavyEvery === 0;
}

export function populationPatientId(seed: number, n: number): string {
  return `p${seed}-${n}`;
}

/** Ids of the heavy patients among those `population(opts)` yields. */
export function heavyPatientIds(opts: PopulationOptions): string[] {
  const seed = opts.seed ?? 1;
  const first = opts.firstPatient ?? 0;
  const ids: string[] = [];
  for (let n = first; n < first + opts.patients; n++) if (isHeavyPatient(n, opts.heavyEvery)) ids.push(populationPatientId(seed, n));
  return ids;
}

export interface PopulationModel {
  readonly seed: number;
  /** Organizations, Locations, Practitioners and PractitionerRoles every patient may reference. */
  readonly directory: Resource[];
  /** Patient n and its record; the Patient is the first element. */
  patient(n: number): Resource[];
}

export function populationModel(opts: Omit<PopulationOptions, 'patients'>): PopulationModel {
  const seed = opts.seed ?? 1;
  const organizations = Math.max(1, opts.organizations ?? 10);
  const practitioners = Math.max(organizations, opts.practitioners ?? 60);
  const heavyEvery = opts.heavyEvery ?? 100;
  const salt = mix32(seed);
  const prng = new Prng(seed, 0x0d1ec7);
  const directory: Resource[] = [];
  const sites: CareSite[] = [];
  for (let k = 0; k < organizations; k++) {
    const kind = k % 5 === 4 ? 'hospital' : 'polyclinic';
    const f = facility(prng, {
      organizationId: `o${seed}-${k}`, locationId: `l${seed}-${k}`, kind, number: 10 + k * 3, okrug: k % OKRUG_COUNT,
    });
    directory.push(f.organization, f.location);
    sites.push(f.site);
  }
  for (let j = 0; j < practitioners; j++) {
    const site = sites[j % organizations];
    const cycle = site.kind === 'hospital' ? HOSPITAL_ROLE_CYCLE : POLYCLINIC_ROLE_CYCLE;
    const m = staffMember(prng, {
      practitionerId: `pr${seed}-${j}`, roleId: `prr${seed}-${j}`, snils: uniqueSnils(j, SNILS_BLOCKS.practitioners, salt),
      role: cycle[Math.floor(j / organizations) % cycle.length], site,
    });
    directory.push(m.practitioner, m.role);
  }
  const polyclinics = sites.map((s, k) => ({ s, k })).filter((x) => x.s.kind === 'polyclinic');
  const hospitals = sites.filter((s) => s.kind === 'hospital');

  return {
    seed,
    directory,
    patient(n: number): Resource[] {
      const p = new Prng(seed, n, 0x9a7);
      const home = polyclinics[p.int(0, polyclinics.length - 1)];
      const heavy = isHeavyPatient(n, heavyEvery);
      const age = heavy ? p.int(60, 85) : randomAge(p);
      const gender = randomGender(p);
      const birthMs = birthInstant(p, age);
      const attending = attendingFor(home.s, age, p.int(0, 1 << 20));
      const id = populationPatientId(seed, n);
      const patient = patientResource(p, {
        id,
        snils: uniqueSnils(n, SNILS_BLOCKS.patients, salt),
        oms: uniqueOmsNumber(n, OMS_BLOCKS.patients, salt),
        okrug: home.k % OKRUG_COUNT,
        managingOrganization: home.s.organization,
        generalPractitioner: attending,
      }, gender, birthMs);
      const shape = heavy ? HEAVY_RECORD : NORMAL_RECORD;
      const ctx = new RecordContext(p, id, gender, birthMs, home.s, attending);
      ctx.out.push(patient);
      return clinicalRecord(ctx, {
        encounters: p.int(shape.minEncounters, shape.maxEncounters),
        historyYears: shape.historyYears,
        hospital: hospitals.length > 0 ? hospitals[n % hospitals.length] : undefined,
      });
    },
  };
}

/** The population as a stream: the directory batch (unless disabled), then one batch per patient. */
export function* population(opts: PopulationOptions): Generator<Resource[]> {
  const model = populationModel(opts);
  if (opts.directory !== false) yield model.directory;
  const first = opts.firstPatient ?? 0;
  for (let n = first; n < first + opts.patients; n++) yield model.patient(n);
}

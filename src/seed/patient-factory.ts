import type { Organization, Patient, Practitioner, Reference } from '@medplum/fhirtypes';
import { mobilePhone, moscowPlace } from './addresses';
import { DAY_MS, moscowDate, SEED_AS_OF, YEAR_MS } from './fhir-time';
import { OMS_SYSTEM, SNILS_SYSTEM } from './identifier-systems';
import { humanName, randomRussianName, type Gender } from './names';
import type { Prng } from './prng';

export interface PatientSpec {
  id: string;
  snils: string;
  oms: string;
  okrug: number;
  managingOrganization: Reference<Organization>;
  generalPractitioner: Reference<Practitioner>;
  /** Fixed age and gender, e.g. for demo patients; drawn from Moscow-like shares otherwise. */
  age?: number;
  gender?: Gender;
}

/** Age in whole years: ~18% children, ~60% of working age, ~22% older than 65, as in Moscow. */
export function randomAge(prng: Prng): number {
  const r = prng.next();
  if (r < 0.18) return prng.int(0, 17);
  if (r < 0.78) return prng.int(18, 64);
  return prng.int(65, 95);
}

export function randomGender(prng: Prng): Gender {
  return prng.chance(0.54) ? 'female' : 'male';
}

export function patientResource(prng: Prng, spec: PatientSpec, gender: Gender, birthMs: number): Patient {
  const name = humanName(randomRussianName(prng, gender));
  return {
    resourceType: 'Patient',
    id: spec.id,
    identifier: [
      { use: 'official', system: SNILS_SYSTEM, value: spec.snils },
      { use: 'official', system: OMS_SYSTEM, value: spec.oms },
    ],
    active: true,
    name: [name],
    telecom: [mobilePhone(prng)],
    gender,
    birthDate: moscowDate(birthMs),
    address: [moscowPlace(prng, spec.okrug, true).address],
    managingOrganization: spec.managingOrganization,
    generalPractitioner: [spec.generalPractitioner],
  };
}

/** A birth instant `age` years (plus a random part of a year) before the seed's "today". */
export function birthInstant(prng: Prng, age: number): number {
  return SEED_AS_OF - age * YEAR_MS - prng.int(1, 364) * DAY_MS;
}

import type { Location, Organization, Practitioner, PractitionerRole, Reference } from '@medplum/fhirtypes';
import { moscowPlace, officePhone } from './addresses';
import { STAFF_ROLES, type StaffRoleKey } from './codes-care';
import { DAY_MS, moscowDate, SEED_AS_OF, YEAR_MS } from './fhir-time';
import { OGRN_SYSTEM, SNILS_SYSTEM } from './identifier-systems';
import { humanName, randomRussianName, type Gender } from './names';
import { moscowOgrn } from './ogrn';
import type { Prng } from './prng';

/**
 * The care directory: facilities (an Organization and the Location of its building) and their
 * staff (Practitioner + PractitionerRole). Shared by the demo city and the generated population.
 */

export type FacilityKind = 'polyclinic' | 'hospital';

export interface FacilitySpec {
  organizationId: string;
  locationId: string;
  kind: FacilityKind;
  /** The institution's number, as in "Городская поликлиника № 12". */
  number: number;
  okrug: number;
}

/** What clinical records need to know about where care happens. */
export interface CareSite {
  kind: FacilityKind;
  organization: Reference<Organization>;
  location: Reference<Location>;
  /** Practitioners working here, in the order they were added, with their posts alongside. */
  staff: Reference<Practitioner>[];
  roles: StaffRoleKey[];
}

/** The practitioner to attach a patient to: a pediatrician for children, a therapist otherwise. */
export function attendingFor(site: CareSite, age: number, pick: number): Reference<Practitioner> {
  const wanted: StaffRoleKey[] = age < 18 ? ['pediatrician', 'familyDoctor'] : ['therapist', 'familyDoctor'];
  const candidates = site.staff.filter((_, i) => wanted.includes(site.roles[i]));
  const pool = candidates.length > 0 ? candidates : site.staff;
  return pool[pick % pool.length];
}

const ORGANIZATION_TYPE = [{
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }],
}];

const BUILDING = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'bu', display: 'Building' }],
};

export function facility(prng: Prng, spec: FacilitySpec): { organization: Organization; location: Location; site: CareSite } {
  const place = moscowPlace(prng, spec.okrug, false);
  const [name, alias] = spec.kind === 'polyclinic'
    ? [`ГБУЗ «Городская поликлиника № ${spec.number} ДЗМ»`, `ГП № ${spec.number}`]
    : [`ГБУЗ «Городская клиническая больница № ${spec.number} ДЗМ»`, `ГКБ № ${spec.number}`];
  const telecom = [officePhone(prng)];
  const organization: Organization = {
    resourceType: 'Organization',
    id: spec.organizationId,
    identifier: [{ system: OGRN_SYSTEM, value: moscowOgrn(prng.int(2, 15), spec.number * 1000 + prng.int(0, 999)) }],
    active: true,
    type: ORGANIZATION_TYPE,
    name,
    alias: [alias],
    telecom,
    address: [place.address],
  };
  const organizationRef: Reference<Organization> = { reference: `Organization/${spec.organizationId}`, display: alias };
  const location: Location = {
    resourceType: 'Location',
    id: spec.locationId,
    status: 'active',
    name: `${alias}, основное здание`,
    mode: 'instance',
    physicalType: BUILDING,
    telecom,
    address: place.address,
    position: { latitude: place.lat, longitude: place.lon },
    managingOrganization: organizationRef,
  };
  return {
    organization,
    location,
    site: { kind: spec.kind, organization: organizationRef, location: { reference: `Location/${spec.locationId}` }, staff: [], roles: [] },
  };
}

export interface StaffSpec {
  practitionerId: string;
  roleId: string;
  snils: string;
  role: StaffRoleKey;
  site: CareSite;
}

export function staffMember(prng: Prng, spec: StaffSpec): { practitioner: Practitioner; role: PractitionerRole } {
  const gender: Gender = prng.chance(0.7) ? 'female' : 'male';
  const name = humanName(randomRussianName(prng, gender));
  const age = prng.int(27, 66);
  const practitioner: Practitioner = {
    resourceType: 'Practitioner',
    id: spec.practitionerId,
    identifier: [{ system: SNILS_SYSTEM, value: spec.snils }],
    active: true,
    name: [name],
    gender,
    birthDate: moscowDate(SEED_AS_OF - age * YEAR_MS - prng.int(0, 364) * DAY_MS),
  };
  const def = STAFF_ROLES[spec.role];
  const practitionerRef: Reference<Practitioner> = { reference: `Practitioner/${spec.practitionerId}`, display: name.text };
  const role: PractitionerRole = {
    resourceType: 'PractitionerRole',
    id: spec.roleId,
    active: true,
    practitioner: practitionerRef,
    organization: spec.site.organization,
    code: [def.code],
    specialty: [def.specialty],
    location: [spec.site.location],
  };
  spec.site.staff.push({ reference: practitionerRef.reference });
  spec.site.roles.push(spec.role);
  return { practitioner, role };
}

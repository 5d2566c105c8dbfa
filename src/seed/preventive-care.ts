import type { AllergyIntolerance, CarePlan, Condition, EpisodeOfCare, Immunization, Reference } from '@medplum/fhirtypes';
import { ADULT_VACCINES, ALLERGIES, CHILD_VACCINES, type AllergyDef, type VaccineDef } from './codes-care';
import type { ConditionDef } from './codes-conditions';
import { atMoscowTime, DAY_MS, moscowDateTime, SEED_AS_OF, YEAR_MS } from './fhir-time';
import type { RecordContext } from './record-context';

/**
 * The parts of a record that are not tied to a single sick visit: immunizations on the national
 * calendar and seasonal campaigns, a known allergy, and the dispensary observation (диспансерное
 * наблюдение) of chronic patients as an EpisodeOfCare with its CarePlan.
 */

const ALLERGY_CLINICAL = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active', display: 'Active' }],
};
const ALLERGY_CONFIRMED = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed', display: 'Confirmed' }],
};
const DISPENSARY = [{ text: 'Диспансерное наблюдение' }];
const MONTH_MS = YEAR_MS / 12;

export function immunizations(ctx: RecordContext, fromMs: number): void {
  const { prng, birthMs } = ctx;
  for (const vaccine of CHILD_VACCINES) {
    vaccine.childDosesMonths.forEach((months, i) => {
      const at = birthMs + months * MONTH_MS + prng.int(0, 20) * DAY_MS;
      if (at >= fromMs && at < SEED_AS_OF) immunization(ctx, vaccine, at, i + 1);
    });
  }
  const firstYear = new Date(Math.max(fromMs, birthMs + 18 * YEAR_MS)).getUTCFullYear();
  const lastYear = new Date(SEED_AS_OF).getUTCFullYear();
  for (let year = firstYear; year <= lastYear; year++) {
    const age = year - new Date(birthMs).getUTCFullYear();
    // Autumn influenza campaign; older people are vaccinated more often.
    const autumn = Date.UTC(year, 8, 15) + prng.int(0, 75) * DAY_MS;
    if (autumn >= fromMs && autumn < SEED_AS_OF && prng.chance(age >= 60 ? 0.55 : 0.25)) {
      immunization(ctx, ADULT_VACCINES.influenza, autumn, 1);
    }
    if (year === 2021 && prng.chance(0.5)) {
      const first = Date.UTC(2021, 1, 1) + prng.int(0, 300) * DAY_MS;
      if (first >= fromMs) {
        immunization(ctx, ADULT_VACCINES.covid, first, 1);
        immunization(ctx, ADULT_VACCINES.covid, first + 21 * DAY_MS, 2);
      }
    }
  }
  const at65 = birthMs + 65 * YEAR_MS + prng.int(0, 700) * DAY_MS;
  if (at65 >= fromMs && at65 < SEED_AS_OF && prng.chance(0.4)) immunization(ctx, ADULT_VACCINES.pneumococcal, at65, 1);
}

function immunization(ctx: RecordContext, vaccine: VaccineDef, day: number, dose: number): void {
  const at = atMoscowTime(day, ctx.prng.int(9 * 60, 18 * 60));
  const resource: Immunization = {
    resourceType: 'Immunization',
    id: ctx.nextId('imm'),
    status: 'completed',
    vaccineCode: vaccine.concept,
    patient: ctx.patient,
    occurrenceDateTime: moscowDateTime(at),
    recorded: moscowDateTime(at),
    primarySource: true,
    location: ctx.home.location,
    lotNumber: `${String.fromCharCode(65 + ctx.prng.int(0, 25))}${ctx.prng.int(1000, 9999)}-${new Date(at).getUTCFullYear() % 100}`,
    performer: [{ actor: ctx.attending }],
    protocolApplied: [{ doseNumberPositiveInt: dose }],
  };
  ctx.out.push(resource);
}

/** Picks the patient's allergy (if any) before visits, so prescriptions can avoid the allergen. */
export function chooseAllergy(ctx: RecordContext, probability: number): AllergyDef | undefined {
  return ctx.prng.chance(probability) ? ctx.prng.pick(ALLERGIES) : undefined;
}

export function allergyIntolerance(ctx: RecordContext, def: AllergyDef, recordedMs: number): void {
  const resource: AllergyIntolerance = {
    resourceType: 'AllergyIntolerance',
    id: ctx.nextId('alg'),
    clinicalStatus: ALLERGY_CLINICAL,
    verificationStatus: ALLERGY_CONFIRMED,
    type: 'allergy',
    category: [def.category],
    criticality: def.criticality,
    code: def.code,
    patient: ctx.patient,
    recordedDate: moscowDateTime(recordedMs),
    recorder: ctx.attending,
    reaction: [{ manifestation: [def.manifestation], severity: def.criticality === 'high' ? 'severe' : 'mild' }],
  };
  ctx.out.push(resource);
}

export interface ChronicRecord {
  def: ConditionDef;
  condition: Reference<Condition>;
}

/** The dispensary EpisodeOfCare and its CarePlan, from the first chronic diagnosis on. */
export function dispensaryObservation(ctx: RecordContext, episodeId: string, startMs: number, chronic: ChronicRecord[]): void {
  const start = moscowDateTime(startMs);
  const episode: EpisodeOfCare = {
    resourceType: 'EpisodeOfCare',
    id: episodeId,
    status: 'active',
    type: DISPENSARY,
    diagnosis: chronic.map((c, i) => ({ condition: c.condition, rank: i + 1 })),
    patient: ctx.patient,
    managingOrganization: ctx.home.organization,
    period: { start },
    careManager: ctx.attending,
  };
  const activities = [...new Set(chronic.flatMap((c) => c.def.plan ?? []))];
  const plan: CarePlan = {
    resourceType: 'CarePlan',
    id: ctx.nextId('cp'),
    status: 'active',
    intent: 'plan',
    category: DISPENSARY,
    title: 'План диспансерного наблюдения',
    subject: ctx.patient,
    period: { start },
    created: start,
    author: ctx.attending,
    addresses: chronic.map((c) => c.condition),
    activity: activities.map((description) => ({ detail: { status: 'scheduled', description } })),
  };
  if (plan.activity!.length === 0) delete plan.activity;
  ctx.out.push(episode, plan);
}

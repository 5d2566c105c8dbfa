import type { Condition, Encounter, MedicationRequest, Procedure, Reference, Resource } from '@medplum/fhirtypes';
import { ENCOUNTER_CLASS, ENCOUNTER_TYPES, PROCEDURES, type AllergyDef, type ProcedureKey } from './codes-care';
import {
  ACUTE_CONDITIONS, ADMISSION_CONDITIONS, CHECKUP_REASON, CHRONIC_CONDITIONS, CLINICAL_STATUS, CONDITION_CATEGORIES,
  CONFIRMED, MEDICATIONS, type ConditionDef, type MedicationKey, type Shift,
} from './codes-conditions';
import type { PanelKey } from './codes-observation';
import type { CareSite } from './directory';
import { atMoscowTime, DAY_MS, moscowDateTime, SEED_AS_OF, YEAR_MS } from './fhir-time';
import { Measurements } from './measurements';
import { allergyIntolerance, chooseAllergy, dispensaryObservation, immunizations, type ChronicRecord } from './preventive-care';
import type { RecordContext, Visit } from './record-context';

/**
 * One patient's clinical history: a sequence of visits over several years (preventive check-ups,
 * sick visits with an acute diagnosis, follow-ups of chronic diagnoses, rare hospital admissions),
 * each with the vital signs, laboratory panels, diagnoses, prescriptions and procedures such a
 * visit produces in a Moscow polyclinic.
 */

export interface RecordOptions {
  /** Number of visits. */
  encounters: number;
  historyYears: number;
  /** Hospital for admissions; with `home.kind === 'hospital'` every visit is an admission. */
  hospital?: CareSite;
  /** Guarantee a chronic diagnosis (when age allows), a lab report and a procedure: demo data. */
  ensureEach?: boolean;
  allergyProbability?: number;
}

const PARTICIPANT_TYPE = [{
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'ATND', display: 'attender' }],
}];
const PENICILLINS = new Set(['764146007', '372687004']);

interface PendingChronic {
  def: ConditionDef;
  onset: number;
}

export function clinicalRecord(ctx: RecordContext, opts: RecordOptions): Resource[] {
  const { prng } = ctx;
  // Two days after birth: a visit's local day must not start before the birth instant.
  const from = Math.max(ctx.birthMs + 2 * DAY_MS, SEED_AS_OF - opts.historyYears * YEAR_MS);
  const until = SEED_AS_OF - DAY_MS;
  const times: number[] = [];
  // A newborn of the last days has no visits yet.
  for (let i = 0; i < opts.encounters && from < until; i++) times.push(from + prng.next() * (until - from));
  times.sort((a, b) => a - b);

  const allergy = chooseAllergy(ctx, opts.allergyProbability ?? 0.15);
  const pending = chooseChronic(ctx, from, times[0], opts.ensureEach === true);
  const chronic: ChronicRecord[] = [];
  const chronicShift: Shift = {};
  const measurements = new Measurements(ctx);
  const episodeId = `${ctx.patientId}-eoc1`;
  let episodeStart = 0;

  for (const t of times) {
    const inHospital = ctx.home.kind === 'hospital' || (opts.hospital !== undefined && prng.chance(0.03));
    const site = inHospital ? (opts.hospital ?? ctx.home) : ctx.home;
    const start = atMoscowTime(t, prng.int(8 * 60, 19 * 60 + 30));
    const visit: Visit = {
      encounter: { reference: `Encounter/${ctx.nextId('enc')}` },
      at: start,
      dateTime: moscowDateTime(start),
      practitioner: site === ctx.home && prng.chance(0.7) ? ctx.attending : prng.pick(site.staff),
      site,
      age: ctx.ageAt(start),
    };
    const diagnosed = recordChronic(ctx, visit, pending, chronic, chronicShift);
    if (diagnosed.length > 0 && episodeStart === 0) episodeStart = start;
    const followUp = diagnosed.length > 0 || (chronic.length > 0 && prng.chance(0.35));
    const kind: VisitKind = inHospital ? 'admission' : followUp ? 'followUp' : prng.chance(0.5) ? 'sick' : 'checkup';

    const orders = visitOrders(ctx, visit, kind, chronic, diagnosed, allergy);
    if (opts.ensureEach && t === times[0] && orders.panels.size === 0) orders.panels.add('cbc');
    if (opts.ensureEach && t === times[times.length - 1] && ctx.count('proc') === 0 && orders.procedures.size === 0) {
      orders.procedures.add('ecg');
    }

    const { acute, acuteRef, panels, procedures } = orders;
    encounter(ctx, visit, kind, inHospital, acuteRef, followUp && episodeStart > 0 ? episodeId : undefined);
    const shift = acute ? addShift(chronicShift, acute.shift) : chronicShift;
    measurements.vitals(visit, shift, kind === 'checkup' || kind === 'admission', acute?.respiratory === true || kind === 'admission');
    for (const p of panels) measurements.panel(visit, p, shift);
    for (const p of procedures) procedure(ctx, visit, p, acuteRef);
  }

  if (allergy) allergyIntolerance(ctx, allergy, times.length > 0 ? atMoscowTime(times[0], 10 * 60) : from);
  immunizations(ctx, from);
  if (chronic.length > 0) dispensaryObservation(ctx, episodeId, episodeStart, chronic);
  return ctx.out;
}

type VisitKind = keyof typeof ENCOUNTER_TYPES;

interface VisitOrders {
  acute?: ConditionDef;
  acuteRef?: Reference<Condition>;
  panels: Set<PanelKey>;
  procedures: Set<ProcedureKey>;
}

/** What a visit of this kind produces: an acute diagnosis with its therapy, lab panels, procedures. */
function visitOrders(ctx: RecordContext, visit: Visit, kind: VisitKind, chronic: ChronicRecord[], diagnosed: ChronicRecord[],
  allergy: AllergyDef | undefined): VisitOrders {
  const { prng } = ctx;
  const orders: VisitOrders = { panels: new Set(), procedures: new Set() };
  if (kind === 'sick' || kind === 'admission') {
    const acute = pickWeighted(ctx, kind === 'admission' ? ADMISSION_CONDITIONS : ACUTE_CONDITIONS, visit.age);
    orders.acute = acute;
    orders.acuteRef = acuteCondition(ctx, visit, acute, allergy);
    // Admissions get the full work-up; outpatients the tests a doctor would order most of the time.
    acute.panels.forEach((p) => (kind === 'admission' || prng.chance(0.6)) && orders.panels.add(p));
    acute.procedures?.forEach((p) => orders.procedures.add(p));
  } else if (kind === 'checkup') {
    checkupOrders(ctx, visit, orders.panels, orders.procedures);
  } else {
    for (const c of chronic) c.def.panels.forEach((p) => prng.chance(0.6) && orders.panels.add(p));
  }
  for (const d of diagnosed) d.def.procedures?.forEach((p) => orders.procedures.add(p));
  return orders;
}

/** Chronic diagnoses the patient will have by now, with onset dates; likelier with age. */
function chooseChronic(ctx: RecordContext, from: number, firstVisit: number | undefined, ensure: boolean): PendingChronic[] {
  const { prng } = ctx;
  const age = ctx.ageAt(SEED_AS_OF);
  const eligible = CHRONIC_CONDITIONS.filter((d) => age >= d.minAge + 1 && (!d.gender || d.gender === ctx.gender));
  const chosen: PendingChronic[] = [];
  for (const def of eligible) {
    const ageFactor = Math.min(1.3, Math.max(0, (age - def.minAge + 5) / (70 - def.minAge)));
    if (!prng.chance(def.weight * ageFactor)) continue;
    const earliest = Math.max(ctx.birthMs + def.minAge * YEAR_MS, SEED_AS_OF - 20 * YEAR_MS);
    chosen.push({ def, onset: earliest + prng.next() * (SEED_AS_OF - 60 * DAY_MS - earliest) });
  }
  if (ensure && chosen.length === 0 && eligible.length > 0 && firstVisit !== undefined) {
    chosen.push({ def: prng.pick(eligible), onset: Math.max(ctx.birthMs, from - 30 * DAY_MS) });
  }
  return chosen.sort((a, b) => a.onset - b.onset);
}

/** Records, at this visit, every chronic diagnosis whose onset has passed, with its therapy. */
function recordChronic(ctx: RecordContext, visit: Visit, pending: PendingChronic[], chronic: ChronicRecord[], shift: Shift): ChronicRecord[] {
  const diagnosed: ChronicRecord[] = [];
  while (pending.length > 0 && pending[0].onset <= visit.at) {
    const { def, onset } = pending.shift()!;
    const id = ctx.nextId('cond');
    const condition: Condition = {
      resourceType: 'Condition',
      id,
      clinicalStatus: CLINICAL_STATUS.active,
      verificationStatus: CONFIRMED,
      category: CONDITION_CATEGORIES.problemList,
      code: def.concept,
      subject: ctx.patient,
      encounter: visit.encounter,
      onsetDateTime: moscowDateTime(onset),
      recordedDate: visit.dateTime,
      recorder: visit.practitioner,
    };
    ctx.out.push(condition);
    const ref: Reference<Condition> = { reference: `Condition/${id}` };
    def.medications.forEach((m, i) => {
      if (i === 0 || ctx.prng.chance(0.5)) medicationRequest(ctx, visit, m, ref, 'active');
    });
    for (const [k, v] of Object.entries(def.shift)) {
      (shift as Record<string, number>)[k] = ((shift as Record<string, number | undefined>)[k] ?? 0) + v;
    }
    const record = { def, condition: ref };
    chronic.push(record);
    diagnosed.push(record);
  }
  return diagnosed;
}

function acuteCondition(ctx: RecordContext, visit: Visit, def: ConditionDef, allergy: AllergyDef | undefined): Reference<Condition> {
  const id = ctx.nextId('cond');
  const days = Math.max(...def.medications.map((m) => MEDICATIONS[m].courseDays ?? 7), 7) + ctx.prng.int(0, 7);
  const abatement = visit.at + days * DAY_MS;
  const resolved = abatement < SEED_AS_OF;
  const condition: Condition = {
    resourceType: 'Condition',
    id,
    clinicalStatus: resolved ? CLINICAL_STATUS.resolved : CLINICAL_STATUS.active,
    verificationStatus: CONFIRMED,
    category: CONDITION_CATEGORIES.encounterDiagnosis,
    code: def.concept,
    subject: ctx.patient,
    encounter: visit.encounter,
    onsetDateTime: moscowDateTime(visit.at - ctx.prng.int(1, 4) * DAY_MS),
    recordedDate: visit.dateTime,
    recorder: visit.practitioner,
  };
  if (resolved) condition.abatementDateTime = moscowDateTime(abatement);
  ctx.out.push(condition);
  const ref: Reference<Condition> = { reference: `Condition/${id}` };
  for (const m of def.medications) {
    const avoid = m === 'amoxiclav' && allergy !== undefined && PENICILLINS.has(allergy.code.coding![0].code!);
    medicationRequest(ctx, visit, avoid ? 'azithromycin' : m, ref, resolved ? 'completed' : 'active');
  }
  return ref;
}

function medicationRequest(ctx: RecordContext, visit: Visit, key: MedicationKey, reason: Reference<Condition>, status: 'active' | 'completed'): void {
  const def = MEDICATIONS[key];
  const request: MedicationRequest = {
    resourceType: 'MedicationRequest',
    id: ctx.nextId('med'),
    status,
    intent: 'order',
    medicationCodeableConcept: def.concept,
    subject: ctx.patient,
    encounter: visit.encounter,
    authoredOn: visit.dateTime,
    requester: visit.practitioner,
    reasonReference: [reason],
    dosageInstruction: def.dosage,
  };
  ctx.out.push(request);
}

/** Диспансеризация: blood tests for everyone, lipids and ECG from 35, X-ray (флюорография), screening. */
function checkupOrders(ctx: RecordContext, visit: Visit, panels: Set<PanelKey>, procedures: Set<ProcedureKey>): void {
  const { prng } = ctx;
  const age = visit.age;
  if (prng.chance(age >= 18 ? 0.8 : 0.4)) panels.add('cbc');
  if (age >= 18 && prng.chance(0.7)) panels.add('chemistry');
  if (age >= 35 && prng.chance(0.6)) panels.add('lipids');
  if (age >= 15 && prng.chance(0.5)) procedures.add('chestXray');
  if (age >= 35 && prng.chance(0.4)) procedures.add('ecg');
  if (age >= PROCEDURES.mammography.minAge && ctx.gender === 'female' && prng.chance(0.3)) procedures.add('mammography');
  if (age >= PROCEDURES.colonoscopy.minAge && prng.chance(0.05)) procedures.add('colonoscopy');
}

function encounter(ctx: RecordContext, visit: Visit, kind: VisitKind, inHospital: boolean,
  reason: Reference<Condition> | undefined, episodeId: string | undefined): void {
  const minutes = inHospital ? ctx.prng.int(3, 12) * 24 * 60 : ctx.prng.int(12, 40);
  const resource: Encounter = {
    resourceType: 'Encounter',
    id: visit.encounter.reference!.slice('Encounter/'.length),
    status: 'finished',
    class: inHospital ? ENCOUNTER_CLASS.inpatient : ENCOUNTER_CLASS.ambulatory,
    type: ENCOUNTER_TYPES[kind],
    subject: ctx.patient,
    participant: [{ type: PARTICIPANT_TYPE, individual: visit.practitioner }],
    period: { start: visit.dateTime, end: moscowDateTime(Math.min(visit.at + minutes * 60_000, SEED_AS_OF)) },
    serviceProvider: visit.site.organization,
    location: [{ location: visit.site.location }],
  };
  if (reason) resource.reasonReference = [reason];
  else if (kind === 'checkup') resource.reasonCode = [CHECKUP_REASON];
  if (episodeId) resource.episodeOfCare = [{ reference: `EpisodeOfCare/${episodeId}` }];
  ctx.out.push(resource);
}

function procedure(ctx: RecordContext, visit: Visit, key: ProcedureKey, reason: Reference<Condition> | undefined): void {
  const resource: Procedure = {
    resourceType: 'Procedure',
    id: ctx.nextId('proc'),
    status: 'completed',
    code: PROCEDURES[key].concept,
    subject: ctx.patient,
    encounter: visit.encounter,
    performedDateTime: moscowDateTime(visit.at + ctx.prng.int(10, 90) * 60_000),
    performer: [{ actor: visit.practitioner }],
    location: visit.site.location,
  };
  if (reason) resource.reasonReference = [reason];
  ctx.out.push(resource);
}

function pickWeighted(ctx: RecordContext, defs: readonly ConditionDef[], age: number): ConditionDef {
  const eligible = defs.filter((d) => age >= d.minAge);
  let total = 0;
  for (const d of eligible) total += d.weight;
  let r = ctx.prng.next() * total;
  for (const d of eligible) if ((r -= d.weight) < 0) return d;
  return eligible[eligible.length - 1];
}

function addShift(a: Shift, b: Shift): Shift {
  const sum: Record<string, number> = { ...(a as Record<string, number>) };
  for (const [k, v] of Object.entries(b)) sum[k] = (sum[k] ?? 0) + v;
  return sum as Shift;
}

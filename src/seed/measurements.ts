import type { Observation, Organization, Quantity, Reference } from '@medplum/fhirtypes';
import {
  BLOOD_PRESSURE_PANEL, INTERPRETATION, LAB_REPORT_CATEGORY, LABORATORY_CATEGORY, LABS, PANELS, UCUM,
  VITAL_SIGNS_CATEGORY, VITALS, type LabKey, type MeasureDef, type PanelKey,
} from './codes-observation';
import type { Shift } from './codes-conditions';
import { moscowDateTime } from './fhir-time';
import type { RecordContext, Visit } from './record-context';

/**
 * Vital signs and laboratory results of one patient. Each patient gets a personal baseline per
 * measure (people differ more from each other than from themselves), every measurement adds a
 * smaller visit-to-visit noise, and active conditions shift the mean: a hypertensive patient's
 * pressure stays high, a diabetic's HbA1c is above range.
 */

type MeasureKey = keyof typeof VITALS | LabKey;

export class Measurements {
  private readonly baseline = new Map<MeasureKey, number>();
  private heightCm = 0;

  constructor(private readonly ctx: RecordContext) {
    const { prng, gender } = ctx;
    for (const [key, def] of Object.entries({ ...VITALS, ...LABS }) as [MeasureKey, MeasureDef][]) {
      this.baseline.set(key, def.mean + def.sd * 0.8 * prng.normal(0, 1));
    }
    const adultHeight = gender === 'male' ? prng.normal(177, 7) : prng.normal(164, 6);
    this.baseline.set('height', adultHeight);
    if (gender === 'female') this.baseline.set('hemoglobin', this.baseline.get('hemoglobin')! - 12);
  }

  /** Baseline + condition shift + `offset` (age effects) + visit noise, rounded as reported. */
  private value(key: MeasureKey, shift: Shift, noise: number, offset = 0): number {
    const def: MeasureDef = key in VITALS ? VITALS[key as keyof typeof VITALS] : LABS[key as LabKey];
    const v = this.baseline.get(key)! + ((shift as Record<string, number | undefined>)[key] ?? 0) + offset + def.sd * noise * this.ctx.prng.normal(0, 1);
    const p = 10 ** def.decimals;
    return Math.max(1 / p, Math.round(v * p) / p);
  }

  /** The vital signs taken at a visit; `full` adds anthropometry, `respiratory` adds RR/SpO2/t°. */
  vitals(visit: Visit, shift: Shift, full: boolean, respiratory: boolean): void {
    const { prng } = this.ctx;
    const age = visit.age;
    if (age >= 3) {
      const ageBp = age > 40 ? (age - 40) * 0.45 : age < 18 ? -(18 - age) * 1.8 : 0;
      const sys = this.value('systolic', shift, 0.5, ageBp);
      const dia = Math.min(sys - 25, this.value('diastolic', shift, 0.5, ageBp / 3));
      this.vital(visit, BLOOD_PRESSURE_PANEL, undefined, [
        { code: VITALS.systolic.concept, valueQuantity: quantity(VITALS.systolic, sys) },
        { code: VITALS.diastolic.concept, valueQuantity: quantity(VITALS.diastolic, dia) },
      ]);
    }
    const childHr = age < 12 ? (12 - age) * 3 : 0;
    this.vital(visit, VITALS.heartRate.concept, quantity(VITALS.heartRate, this.value('heartRate', shift, 0.6, childHr)));
    if (respiratory || prng.chance(0.25)) {
      this.vital(visit, VITALS.temperature.concept, quantity(VITALS.temperature, this.value('temperature', shift, 0.6)));
    }
    if (respiratory) {
      this.vital(visit, VITALS.respiratoryRate.concept, quantity(VITALS.respiratoryRate, this.value('respiratoryRate', shift, 0.6, age < 12 ? 6 : 0)));
      this.vital(visit, VITALS.oxygenSaturation.concept, quantity(VITALS.oxygenSaturation, Math.min(100, this.value('oxygenSaturation', shift, 0.5))));
    }
    if (full || age < 18) this.anthropometry(visit, shift);
  }

  private anthropometry(visit: Visit, shift: Shift): void {
    const age = visit.age;
    const adult = this.baseline.get('height')!;
    // Growth: ~50 cm at birth, ~75 cm at one year, then ~6.5 cm a year until adult height.
    const h = age >= 18 ? adult : Math.min(adult, 50 + 25 * Math.min(age, 1) + 6.5 * Math.max(0, age - 1));
    this.heightCm = Math.round(h);
    const bmiMean = age >= 18 ? this.baseline.get('bmi')! + Math.min(5, (age - 18) * 0.08) : 16.5;
    const bmi = bmiMean + (shift.bmi ?? 0) + this.ctx.prng.normal(0, 0.4);
    const weight = Math.round(bmi * (this.heightCm / 100) ** 2 * 10) / 10;
    this.vital(visit, VITALS.height.concept, quantity(VITALS.height, this.heightCm));
    this.vital(visit, VITALS.weight.concept, quantity(VITALS.weight, weight));
    if (age >= 2) {
      const exact = Math.round((weight / (this.heightCm / 100) ** 2) * 10) / 10;
      this.vital(visit, VITALS.bmi.concept, quantity(VITALS.bmi, exact));
    }
  }

  private vital(visit: Visit, code: MeasureDef['concept'], valueQuantity: Quantity | undefined, component?: Observation['component']): void {
    const obs: Observation = {
      resourceType: 'Observation',
      id: this.ctx.nextId('obs'),
      status: 'final',
      category: [VITAL_SIGNS_CATEGORY],
      code,
      subject: this.ctx.patient,
      encounter: visit.encounter,
      effectiveDateTime: visit.dateTime,
      performer: [visit.practitioner],
    };
    if (valueQuantity) obs.valueQuantity = valueQuantity;
    if (component) obs.component = component;
    this.ctx.out.push(obs);
  }

  /** A laboratory panel: one Observation per test and the DiagnosticReport that groups them. */
  panel(visit: Visit, key: PanelKey, shift: Shift): void {
    const { ctx } = this;
    const panel = PANELS[key];
    // Results come back from the laboratory the next working day.
    const issued = moscowDateTime(visit.at + 20 * 3_600_000 + ctx.prng.int(0, 240) * 60_000);
    const performer: Reference<Organization>[] = [visit.site.organization];
    const result: Reference<Observation>[] = [];
    for (const lab of panel.labs) {
      const def = LABS[lab];
      const value = this.value(lab, shift, 0.35);
      const id = ctx.nextId('obs');
      ctx.out.push({
        resourceType: 'Observation',
        id,
        status: 'final',
        category: [LABORATORY_CATEGORY],
        code: def.concept,
        subject: ctx.patient,
        encounter: visit.encounter,
        effectiveDateTime: visit.dateTime,
        issued,
        performer,
        valueQuantity: quantity(def, value),
        interpretation: value < def.low! ? INTERPRETATION.low : value > def.high! ? INTERPRETATION.high : INTERPRETATION.normal,
        referenceRange: def.referenceRange,
      });
      result.push({ reference: `Observation/${id}` });
    }
    ctx.out.push({
      resourceType: 'DiagnosticReport',
      id: ctx.nextId('rep'),
      status: 'final',
      category: [LAB_REPORT_CATEGORY],
      code: panel.concept,
      subject: ctx.patient,
      encounter: visit.encounter,
      effectiveDateTime: visit.dateTime,
      issued,
      performer,
      result,
    });
  }
}

function quantity(def: MeasureDef, value: number): Quantity {
  return { value, unit: def.unit, system: UCUM, code: def.ucum };
}

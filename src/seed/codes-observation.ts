import type { CodeableConcept, Quantity } from '@medplum/fhirtypes';

/**
 * LOINC codes with UCUM units and plausible adult values for the vital signs of the FHIR R4
 * vital-signs profile (http://hl7.org/fhir/R4/observation-vitalsigns.html) and for the routine
 * laboratory tests of a Moscow polyclinic (общий анализ крови, биохимия, липидограмма). Units are
 * the SI ones Russian laboratories report (g/L, mmol/L, µmol/L), each with a LOINC code whose
 * property matches (e.g. glucose 14749-6 is moles/volume, not the mass-based 2345-7).
 *
 * The concept objects are shared by every generated resource: treat them as immutable.
 */

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';

export interface MeasureDef {
  loinc: string;
  concept: CodeableConcept;
  /** UCUM code; `unit` is the human-readable form Russian records print. */
  ucum: string;
  unit: string;
  /** Mean and standard deviation of a healthy adult, before per-patient and condition shifts. */
  mean: number;
  sd: number;
  decimals: number;
  /** Reference interval shown on laboratory results. */
  low?: number;
  high?: number;
  referenceRange?: { low: Quantity; high: Quantity }[];
}

function concept(code: string, display: string, text: string): CodeableConcept {
  return { coding: [{ system: LOINC, code, display }], text };
}

function measure(
  loinc: string, display: string, text: string, ucum: string, unit: string,
  mean: number, sd: number, decimals: number, low?: number, high?: number,
): MeasureDef {
  const def: MeasureDef = { loinc, concept: concept(loinc, display, text), ucum, unit, mean, sd, decimals };
  if (low !== undefined && high !== undefined) {
    def.low = low;
    def.high = high;
    const q = (value: number): Quantity => ({ value, unit, system: UCUM, code: ucum });
    def.referenceRange = [{ low: q(low), high: q(high) }];
  }
  return def;
}

export const VITAL_SIGNS_CATEGORY: CodeableConcept = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }],
  text: 'Показатели жизнедеятельности',
};

export const LABORATORY_CATEGORY: CodeableConcept = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }],
  text: 'Лабораторные исследования',
};

/** DiagnosticReport.category for laboratory reports (HL7 v2 table 0074). */
export const LAB_REPORT_CATEGORY: CodeableConcept = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' }],
};

export const VITALS = {
  systolic: measure('8480-6', 'Systolic blood pressure', 'Систолическое АД', 'mm[Hg]', 'мм рт. ст.', 122, 10, 0),
  diastolic: measure('8462-4', 'Diastolic blood pressure', 'Диастолическое АД', 'mm[Hg]', 'мм рт. ст.', 78, 7, 0),
  heartRate: measure('8867-4', 'Heart rate', 'ЧСС', '/min', 'уд/мин', 74, 8, 0),
  respiratoryRate: measure('9279-1', 'Respiratory rate', 'ЧДД', '/min', 'в мин', 16, 2, 0),
  temperature: measure('8310-5', 'Body temperature', 'Температура тела', 'Cel', '°C', 36.6, 0.2, 1),
  weight: measure('29463-7', 'Body weight', 'Масса тела', 'kg', 'кг', 75, 14, 1),
  height: measure('8302-2', 'Body height', 'Рост', 'cm', 'см', 170, 9, 0),
  bmi: measure('39156-5', 'Body mass index (BMI) [Ratio]', 'Индекс массы тела', 'kg/m2', 'кг/м²', 25, 4, 1),
  oxygenSaturation: measure('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry', 'SpO2', '%', '%', 97.5, 1, 0),
} as const;

/** The blood pressure panel carries systolic and diastolic as components (vital-signs profile). */
export const BLOOD_PRESSURE_PANEL = concept('85354-9', 'Blood pressure panel with all children optional', 'Артериальное давление');

export const LABS = {
  hemoglobin: measure('718-7', 'Hemoglobin [Mass/volume] in Blood', 'Гемоглобин', 'g/L', 'г/л', 138, 11, 0, 120, 160),
  erythrocytes: measure('789-8', 'Erythrocytes [#/volume] in Blood by Automated count', 'Эритроциты', '10*12/L', '×10¹²/л', 4.7, 0.35, 2, 3.9, 5.5),
  leukocytes: measure('6690-2', 'Leukocytes [#/volume] in Blood by Automated count', 'Лейкоциты', '10*9/L', '×10⁹/л', 6.4, 1.4, 1, 4, 9),
  platelets: measure('777-3', 'Platelets [#/volume] in Blood by Automated count', 'Тромбоциты', '10*9/L', '×10⁹/л', 250, 50, 0, 150, 400),
  hematocrit: measure('4544-3', 'Hematocrit [Volume Fraction] of Blood by Automated count', 'Гематокрит', '%', '%', 42, 3, 1, 36, 48),
  esr: measure('30341-2', 'Erythrocyte sedimentation rate', 'СОЭ', 'mm/h', 'мм/ч', 8, 4, 0, 2, 15),
  glucose: measure('14749-6', 'Glucose [Moles/volume] in Serum or Plasma', 'Глюкоза', 'mmol/L', 'ммоль/л', 5.0, 0.5, 1, 3.9, 6.1),
  creatinine: measure('14682-9', 'Creatinine [Moles/volume] in Serum or Plasma', 'Креатинин', 'umol/L', 'мкмоль/л', 85, 13, 0, 62, 115),
  alt: measure('1742-6', 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 'АЛТ', 'U/L', 'Ед/л', 22, 8, 0, 7, 40),
  ast: measure('1920-8', 'Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 'АСТ', 'U/L', 'Ед/л', 23, 7, 0, 10, 40),
  bilirubin: measure('14631-6', 'Bilirubin.total [Moles/volume] in Serum or Plasma', 'Билирубин общий', 'umol/L', 'мкмоль/л', 11, 4, 1, 3.4, 20.5),
  cholesterol: measure('14647-2', 'Cholesterol [Moles/volume] in Serum or Plasma', 'Холестерин общий', 'mmol/L', 'ммоль/л', 4.9, 0.8, 2, 3.0, 5.2),
  hdl: measure('14646-4', 'Cholesterol in HDL [Moles/volume] in Serum or Plasma', 'ЛПВП', 'mmol/L', 'ммоль/л', 1.4, 0.3, 2, 1.0, 2.2),
  ldl: measure('22748-8', 'Cholesterol in LDL [Moles/volume] in Serum or Plasma', 'ЛПНП', 'mmol/L', 'ммоль/л', 2.9, 0.7, 2, 1.5, 3.0),
  triglycerides: measure('14927-8', 'Triglyceride [Moles/volume] in Serum or Plasma', 'Триглицериды', 'mmol/L', 'ммоль/л', 1.3, 0.45, 2, 0.4, 1.7),
  hba1c: measure('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', 'Гликированный гемоглобин', '%', '%', 5.3, 0.3, 1, 4.0, 6.0),
  tsh: measure('3016-3', 'Thyrotropin [Units/volume] in Serum or Plasma', 'ТТГ', 'm[IU]/L', 'мМЕ/л', 1.9, 0.7, 2, 0.4, 4.0),
} as const;

export type LabKey = keyof typeof LABS;

export interface PanelDef {
  key: string;
  concept: CodeableConcept;
  labs: readonly LabKey[];
}

function panel(key: string, loinc: string, display: string, text: string, labs: readonly LabKey[]): PanelDef {
  return { key, concept: concept(loinc, display, text), labs };
}

export const PANELS = {
  cbc: panel('cbc', '58410-2', 'CBC panel - Blood by Automated count', 'Общий анализ крови',
    ['hemoglobin', 'erythrocytes', 'leukocytes', 'platelets', 'hematocrit', 'esr']),
  chemistry: panel('chemistry', '24323-8', 'Comprehensive metabolic 2000 panel - Serum or Plasma', 'Биохимический анализ крови',
    ['glucose', 'creatinine', 'alt', 'ast', 'bilirubin']),
  lipids: panel('lipids', '57698-3', 'Lipid panel with direct LDL - Serum or Plasma', 'Липидограмма',
    ['cholesterol', 'hdl', 'ldl', 'triglycerides']),
  hba1c: panel('hba1c', '4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', 'Гликированный гемоглобин', ['hba1c']),
  thyroid: panel('thyroid', '3016-3', 'Thyrotropin [Units/volume] in Serum or Plasma', 'ТТГ', ['tsh']),
} as const;

export type PanelKey = keyof typeof PANELS;

const INTERPRETATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

export const INTERPRETATION: Record<'low' | 'normal' | 'high', CodeableConcept[]> = {
  low: [{ coding: [{ system: INTERPRETATION_SYSTEM, code: 'L', display: 'Low' }] }],
  normal: [{ coding: [{ system: INTERPRETATION_SYSTEM, code: 'N', display: 'Normal' }] }],
  high: [{ coding: [{ system: INTERPRETATION_SYSTEM, code: 'H', display: 'High' }] }],
};

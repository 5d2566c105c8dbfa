import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import type { Gender } from './names';

/**
 * Codes for immunizations (CVX), allergies, procedures and encounter types (SNOMED CT), and for
 * the staff of polyclinics. Displays are the official English ones of each code system, `text` the
 * Russian wording a Moscow record would show. Shared objects: treat them as immutable.
 */

export const CVX = 'http://hl7.org/fhir/sid/cvx';
export const SNOMED = 'http://snomed.info/sct';
export const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

function cs(system: string, code: string, display: string, text: string): CodeableConcept {
  return { coding: [{ system, code, display }], text };
}

export interface VaccineDef {
  concept: CodeableConcept;
  /** Ages in months of the Russian national immunization calendar doses. */
  childDosesMonths: readonly number[];
}

const vaccine = (cvx: string, display: string, text: string, childDosesMonths: readonly number[] = []): VaccineDef => ({
  concept: cs(CVX, cvx, display, text), childDosesMonths,
});

/** Simplified Национальный календарь профилактических прививок. */
export const CHILD_VACCINES: readonly VaccineDef[] = [
  vaccine('08', 'Hep B, adolescent or pediatric', 'Вакцина против гепатита B', [0, 1, 6]),
  vaccine('19', 'BCG', 'БЦЖ-М', [0]),
  vaccine('133', 'Pneumococcal conjugate PCV 13', 'Пневмококковая конъюгированная вакцина', [2, 4, 15]),
  vaccine('01', 'DTP', 'АКДС', [3, 4, 6, 18]),
  vaccine('10', 'IPV', 'Вакцина полиомиелитная инактивированная', [3, 4, 6]),
  vaccine('03', 'MMR', 'Корь, краснуха, паротит', [12, 72]),
  vaccine('09', 'Td (adult), adsorbed', 'АДС-М', [84, 168]),
];

export const ADULT_VACCINES = {
  influenza: vaccine('141', 'Influenza, seasonal, injectable', 'Вакцина против гриппа'),
  covid: vaccine('213', 'SARS-COV-2 (COVID-19) vaccine, UNSPECIFIED FORMULATION', 'Гам-КОВИД-Вак'),
  td: vaccine('09', 'Td (adult), adsorbed', 'АДС-М'),
  pneumococcal: vaccine('33', 'pneumococcal polysaccharide PPV23', 'Пневмококковая полисахаридная вакцина'),
};

export interface AllergyDef {
  code: CodeableConcept;
  category: 'food' | 'medication' | 'environment';
  criticality: 'low' | 'high';
  manifestation: CodeableConcept;
}

const allergy = (code: string, display: string, text: string, category: AllergyDef['category'],
  criticality: AllergyDef['criticality'], manifestation: CodeableConcept): AllergyDef => ({
  code: cs(SNOMED, code, display, text), category, criticality, manifestation,
});

const HIVES = cs(SNOMED, '247472004', 'Hives', 'Крапивница');
const RASH = cs(SNOMED, '271807003', 'Eruption of skin', 'Сыпь');
const ANAPHYLAXIS = cs(SNOMED, '39579001', 'Anaphylaxis', 'Анафилаксия');
const DYSPNEA = cs(SNOMED, '267036007', 'Dyspnea', 'Одышка');
const HAY_FEVER = cs(SNOMED, '21719001', 'Allergic rhinitis caused by pollen', 'Поллиноз');

export const ALLERGIES: readonly AllergyDef[] = [
  allergy('764146007', 'Penicillin', 'Пенициллин', 'medication', 'high', HIVES),
  allergy('372687004', 'Amoxicillin', 'Амоксициллин', 'medication', 'low', RASH),
  allergy('387458008', 'Aspirin', 'Ацетилсалициловая кислота', 'medication', 'high', DYSPNEA),
  allergy('256259004', 'Pollen', 'Пыльца растений', 'environment', 'low', HAY_FEVER),
  allergy('762952008', 'Peanut', 'Арахис', 'food', 'high', ANAPHYLAXIS),
  allergy('111088007', 'Latex', 'Латекс', 'environment', 'low', RASH),
];

export interface ProcedureDef {
  concept: CodeableConcept;
  minAge: number;
  gender?: Gender;
}

export const PROCEDURES = {
  ecg: { concept: cs(SNOMED, '29303009', 'Electrocardiographic procedure', 'Электрокардиография'), minAge: 0 },
  chestXray: { concept: cs(SNOMED, '399208008', 'Plain chest X-ray', 'Флюорография органов грудной клетки'), minAge: 15 },
  mammography: { concept: cs(SNOMED, '71651007', 'Mammography', 'Маммография'), minAge: 40, gender: 'female' },
  colonoscopy: { concept: cs(SNOMED, '73761001', 'Colonoscopy', 'Колоноскопия'), minAge: 45 },
  spirometry: { concept: cs(SNOMED, '127783003', 'Spirometry', 'Спирометрия'), minAge: 5 },
  appendectomy: { concept: cs(SNOMED, '80146002', 'Appendectomy', 'Аппендэктомия'), minAge: 5 },
} satisfies Record<string, ProcedureDef>;

export type ProcedureKey = keyof typeof PROCEDURES;

export const ENCOUNTER_CLASS: Record<'ambulatory' | 'inpatient', Coding> = {
  ambulatory: { system: V3_ACT_CODE, code: 'AMB', display: 'ambulatory' },
  inpatient: { system: V3_ACT_CODE, code: 'IMP', display: 'inpatient encounter' },
};

export const ENCOUNTER_TYPES = {
  checkup: [cs(SNOMED, '185349003', 'Encounter for check up', 'Профилактический осмотр (диспансеризация)')],
  sick: [cs(SNOMED, '185345009', 'Encounter for symptom', 'Обращение по заболеванию')],
  followUp: [cs(SNOMED, '390906007', 'Follow-up encounter', 'Диспансерное наблюдение')],
  admission: [cs(SNOMED, '32485007', 'Hospital admission', 'Госпитализация')],
} satisfies Record<string, CodeableConcept[]>;

export interface StaffRoleDef {
  code: CodeableConcept;
  specialty: CodeableConcept;
}

const doctor = (title: string): CodeableConcept => ({
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'doctor', display: 'Doctor' }],
  text: title,
});

/** Polyclinic posts: the district therapist first, since every patient is attached to one. */
export const STAFF_ROLES = {
  therapist: { code: doctor('Врач-терапевт участковый'), specialty: cs(SNOMED, '394802001', 'General medicine', 'Терапия') },
  familyDoctor: { code: doctor('Врач общей практики (семейный врач)'), specialty: cs(SNOMED, '419772000', 'Family practice', 'Общая врачебная практика') },
  pediatrician: { code: doctor('Врач-педиатр участковый'), specialty: cs(SNOMED, '394537008', 'Pediatric specialty', 'Педиатрия') },
  cardiologist: { code: doctor('Врач-кардиолог'), specialty: cs(SNOMED, '394579002', 'Cardiology', 'Кардиология') },
  endocrinologist: { code: doctor('Врач-эндокринолог'), specialty: cs(SNOMED, '394583002', 'Endocrinology', 'Эндокринология') },
  neurologist: { code: doctor('Врач-невролог'), specialty: cs(SNOMED, '394591006', 'Neurology', 'Неврология') },
  surgeon: { code: doctor('Врач-хирург'), specialty: cs(SNOMED, '394609007', 'General surgery', 'Хирургия') },
} satisfies Record<string, StaffRoleDef>;

export type StaffRoleKey = keyof typeof STAFF_ROLES;

/** Posts cycled through a polyclinic's staff; therapists dominate as in real district networks. */
export const POLYCLINIC_ROLE_CYCLE: readonly StaffRoleKey[] = [
  'therapist', 'therapist', 'pediatrician', 'familyDoctor', 'cardiologist', 'therapist', 'endocrinologist', 'neurologist', 'surgeon',
];

import type { CodeableConcept, Dosage } from '@medplum/fhirtypes';
import type { ProcedureKey } from './codes-care';
import type { LabKey, PanelKey } from './codes-observation';
import type { Gender } from './names';

/**
 * ICD-10 diagnoses (WHO ICD-10 codes with the displays of the Russian МКБ-10 edition) frequent in
 * Moscow primary care, each linked to the ATC medications, follow-up laboratory panels and shifts of
 * vital signs or lab values that make a patient's record hang together. Shared concept and dosage
 * objects: treat them as immutable.
 */

export const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
export const ATC = 'http://www.whocc.no/atc';
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';

export interface MedicationDef {
  atc: string;
  concept: CodeableConcept;
  dosage: Dosage[];
  /** Length of an acute course; chronic therapy has none. */
  courseDays?: number;
}

const ORAL: CodeableConcept = { coding: [{ system: SNOMED, code: '26643006', display: 'Oral route' }], text: 'Внутрь' };
const INHALED: CodeableConcept = {
  coding: [{ system: SNOMED, code: '447694001', display: 'Respiratory tract route' }], text: 'Ингаляционно',
};
const OPHTHALMIC: CodeableConcept = { coding: [{ system: SNOMED, code: '54485002', display: 'Ophthalmic route' }], text: 'В глаза' };

function medication(
  atc: string, display: string, text: string, route: CodeableConcept, instruction: string,
  perDay: number, doseMg?: number, courseDays?: number, asNeeded = false,
): MedicationDef {
  const dosage: Dosage = { text: instruction, route };
  if (asNeeded) dosage.asNeededBoolean = true;
  else dosage.timing = {
    repeat: courseDays
      ? { boundsDuration: { value: courseDays, unit: 'сут', system: UCUM, code: 'd' }, frequency: perDay, period: 1, periodUnit: 'd' }
      : { frequency: perDay, period: 1, periodUnit: 'd' },
  };
  if (doseMg) dosage.doseAndRate = [{ doseQuantity: { value: doseMg, unit: 'мг', system: UCUM, code: 'mg' } }];
  return { atc, concept: { coding: [{ system: ATC, code: atc, display }], text }, dosage: [dosage], courseDays };
}

export const MEDICATIONS = {
  enalapril: medication('C09AA02', 'enalapril', 'Эналаприл 10 мг, таблетки', ORAL, 'По 10 мг 2 раза в день', 2, 10),
  amlodipine: medication('C08CA01', 'amlodipine', 'Амлодипин 5 мг, таблетки', ORAL, 'По 5 мг 1 раз в день', 1, 5),
  bisoprolol: medication('C07AB07', 'bisoprolol', 'Бисопролол 5 мг, таблетки', ORAL, 'По 5 мг утром', 1, 5),
  metformin: medication('A10BA02', 'metformin', 'Метформин 1000 мг, таблетки', ORAL, 'По 1000 мг 2 раза в день во время еды', 2, 1000),
  atorvastatin: medication('C10AA05', 'atorvastatin', 'Аторвастатин 20 мг, таблетки', ORAL, 'По 20 мг вечером', 1, 20),
  aspirin: medication('B01AC06', 'acetylsalicylic acid', 'Ацетилсалициловая кислота 75 мг', ORAL, 'По 75 мг 1 раз в день после еды', 1, 75),
  apixaban: medication('B01AF02', 'apixaban', 'Апиксабан 5 мг, таблетки', ORAL, 'По 5 мг 2 раза в день', 2, 5),
  salbutamol: medication('R03AC02', 'salbutamol', 'Сальбутамол, аэрозоль 100 мкг/доза', INHALED, 'По 1-2 ингаляции при приступе', 0, undefined, undefined, true),
  budesonide: medication('R03BA02', 'budesonide', 'Будесонид, порошок для ингаляций 200 мкг/доза', INHALED, 'По 1 ингаляции 2 раза в день', 2),
  omeprazole: medication('A02BC01', 'omeprazole', 'Омепразол 20 мг, капсулы', ORAL, 'По 20 мг утром натощак', 1, 20),
  diclofenac: medication('M01AB05', 'diclofenac', 'Диклофенак 50 мг, таблетки', ORAL, 'По 50 мг 2 раза в день после еды', 2, 50, 7),
  ferrousSulfate: medication('B03AA07', 'ferrous sulfate', 'Железа сульфат 320 мг', ORAL, 'По 1 таблетке 2 раза в день', 2, 320, 90),
  levothyroxine: medication('H03AA01', 'levothyroxine sodium', 'Левотироксин натрия 50 мкг', ORAL, 'По 50 мкг утром натощак', 1),
  paracetamol: medication('N02BE01', 'paracetamol', 'Парацетамол 500 мг, таблетки', ORAL, 'По 500 мг при температуре выше 38,5 °C, не более 4 раз в день', 4, 500, 5),
  ambroxol: medication('R05CB06', 'ambroxol', 'Амброксол 30 мг, таблетки', ORAL, 'По 30 мг 3 раза в день', 3, 30, 7),
  azithromycin: medication('J01FA10', 'azithromycin', 'Азитромицин 500 мг, таблетки', ORAL, 'По 500 мг 1 раз в день', 1, 500, 3),
  amoxiclav: medication('J01CR02', 'amoxicillin and beta-lactamase inhibitor', 'Амоксициллин + клавулановая кислота 875/125 мг', ORAL, 'По 1 таблетке 2 раза в день', 2, 1000, 7),
  nitrofurantoin: medication('J01XE01', 'nitrofurantoin', 'Нитрофурантоин 100 мг', ORAL, 'По 100 мг 2 раза в день', 2, 100, 5),
  ibuprofen: medication('M01AE01', 'ibuprofen', 'Ибупрофен 400 мг, таблетки', ORAL, 'По 400 мг 3 раза в день после еды', 3, 400, 5),
  diosmectite: medication('A07BC05', 'diosmectite', 'Смектит диоктаэдрический 3 г', ORAL, 'По 1 пакетику 3 раза в день', 3, 3000, 3),
  cetirizine: medication('R06AE07', 'cetirizine', 'Цетиризин 10 мг, таблетки', ORAL, 'По 10 мг 1 раз в день', 1, 10, 14),
  tobramycin: medication('S01AA12', 'tobramycin', 'Тобрамицин 0,3%, капли глазные', OPHTHALMIC, 'По 1 капле 4 раза в день', 4, undefined, 7),
} as const;

export type MedicationKey = keyof typeof MEDICATIONS;

/** Additive shifts of a patient's vital signs or lab means while a condition is active. */
export type Shift = Partial<Record<LabKey | 'systolic' | 'diastolic' | 'heartRate' | 'bmi' | 'temperature' | 'oxygenSaturation', number>>;

export interface ConditionDef {
  icd10: string;
  concept: CodeableConcept;
  chronic: boolean;
  minAge: number;
  gender?: Gender;
  /** Chronic: probability for a patient of 65; acute: relative frequency among sick visits. */
  weight: number;
  medications: readonly MedicationKey[];
  panels: readonly PanelKey[];
  shift: Shift;
  /** Sick visits for it add temperature, respiratory rate and SpO2. */
  respiratory?: boolean;
  /** Procedures ordered when it is diagnosed. */
  procedures?: readonly ProcedureKey[];
  /** CarePlan activities (диспансерное наблюдение) for chronic conditions. */
  plan?: readonly string[];
}

function cc(icd10: string, display: string): CodeableConcept {
  return { coding: [{ system: ICD10, code: icd10, display }], text: display };
}

function chronic(icd10: string, display: string, minAge: number, weight: number, rest: Partial<ConditionDef>): ConditionDef {
  return { icd10, concept: cc(icd10, display), chronic: true, minAge, weight, medications: [], panels: [], shift: {}, ...rest };
}

function acute(icd10: string, display: string, minAge: number, weight: number, rest: Partial<ConditionDef>): ConditionDef {
  return { icd10, concept: cc(icd10, display), chronic: false, minAge, weight, medications: [], panels: [], shift: {}, ...rest };
}

export const CHRONIC_CONDITIONS: readonly ConditionDef[] = [
  chronic('I10', 'Эссенциальная (первичная) гипертензия', 35, 0.45, {
    medications: ['enalapril', 'amlodipine'], panels: ['chemistry'], shift: { systolic: 22, diastolic: 11 },
    procedures: ['ecg'], plan: ['Контроль АД дома ежедневно', 'Ограничение соли до 5 г в сутки', 'ЭКГ 1 раз в год'],
  }),
  chronic('E11.9', 'Инсулиннезависимый сахарный диабет без осложнений', 40, 0.12, {
    medications: ['metformin'], panels: ['hba1c', 'chemistry'], shift: { glucose: 3.2, hba1c: 2.1, bmi: 4 },
    plan: ['Гликированный гемоглобин 1 раз в 3 месяца', 'Осмотр глазного дна 1 раз в год', 'Самоконтроль гликемии'],
  }),
  chronic('E78.0', 'Чистая гиперхолестеринемия', 35, 0.3, {
    medications: ['atorvastatin'], panels: ['lipids'], shift: { cholesterol: 1.9, ldl: 1.6 },
    plan: ['Липидограмма 1 раз в 6 месяцев', 'Диета с ограничением насыщенных жиров'],
  }),
  chronic('I25.1', 'Атеросклеротическая болезнь сердца', 50, 0.15, {
    medications: ['aspirin', 'bisoprolol', 'atorvastatin'], panels: ['lipids'], shift: { heartRate: -6, ldl: 0.8 },
    procedures: ['ecg'], plan: ['ЭКГ 1 раз в 6 месяцев', 'Контроль ЛПНП', 'Дозированная физическая нагрузка'],
  }),
  chronic('I48.9', 'Фибрилляция и трепетание предсердий неуточненные', 55, 0.06, {
    medications: ['apixaban', 'bisoprolol'], panels: ['cbc'], shift: { heartRate: 14 },
    procedures: ['ecg'], plan: ['Контроль ЧСС', 'Антикоагулянтная терапия'],
  }),
  chronic('J45.9', 'Астма неуточненная', 4, 0.05, {
    medications: ['budesonide', 'salbutamol'], panels: [], shift: { oxygenSaturation: -1 },
    procedures: ['spirometry'], plan: ['Спирометрия 1 раз в год', 'Дневник пикфлоуметрии'],
  }),
  chronic('K29.5', 'Хронический гастрит неуточненный', 18, 0.12, {
    medications: ['omeprazole'], panels: ['cbc'], shift: {}, plan: ['Дробное питание', 'ФГДС по показаниям'],
  }),
  chronic('M42.1', 'Остеохондроз позвоночника у взрослых', 30, 0.2, {
    medications: ['diclofenac'], panels: [], shift: {}, plan: ['Лечебная физкультура'],
  }),
  chronic('D50.9', 'Железодефицитная анемия неуточненная', 16, 0.08, {
    gender: 'female', medications: ['ferrousSulfate'], panels: ['cbc'], shift: { hemoglobin: -24, hematocrit: -5 },
    plan: ['Общий анализ крови 1 раз в 3 месяца'],
  }),
  chronic('E03.9', 'Гипотиреоз неуточненный', 25, 0.06, {
    medications: ['levothyroxine'], panels: ['thyroid'], shift: { tsh: 3.5, heartRate: -5 },
    plan: ['ТТГ 1 раз в 6 месяцев'],
  }),
];

const PNEUMONIA = acute('J18.9', 'Пневмония неуточненная', 0, 1, {
  medications: ['amoxiclav'], panels: ['cbc'], shift: { temperature: 2.1, leukocytes: 6, esr: 20, oxygenSaturation: -4 },
  respiratory: true, procedures: ['chestXray'],
});

export const ACUTE_CONDITIONS: readonly ConditionDef[] = [
  acute('J06.9', 'Острая инфекция верхних дыхательных путей неуточненная', 0, 10, {
    medications: ['paracetamol'], shift: { temperature: 1.5, heartRate: 10 }, respiratory: true,
  }),
  acute('J20.9', 'Острый бронхит неуточненный', 0, 3, {
    medications: ['ambroxol'], panels: ['cbc'], shift: { temperature: 1.1, leukocytes: 3 }, respiratory: true,
  }),
  PNEUMONIA,
  acute('U07.1', 'COVID-19, вирус идентифицирован', 0, 2, {
    medications: ['paracetamol'], shift: { temperature: 1.6, oxygenSaturation: -2 }, respiratory: true,
  }),
  acute('N39.0', 'Инфекция мочевыводящих путей без установленной локализации', 14, 1.5, {
    medications: ['nitrofurantoin'], panels: ['cbc'], shift: { temperature: 0.8, leukocytes: 2.5 },
  }),
  acute('M54.5', 'Боль внизу спины', 18, 3, { medications: ['ibuprofen'] }),
  acute('K52.9', 'Неинфекционный гастроэнтерит и колит неуточненные', 0, 1.5, { medications: ['diosmectite'] }),
  acute('L30.9', 'Дерматит неуточненный', 0, 1.5, { medications: ['cetirizine'] }),
  acute('H10.9', 'Конъюнктивит неуточненный', 0, 1, { medications: ['tobramycin'] }),
  acute('S93.4', 'Растяжение и перенапряжение связочного аппарата голеностопного сустава', 5, 1, {
    medications: ['ibuprofen'],
  }),
];

/** Diagnoses that bring a patient into hospital (экстренная госпитализация). */
export const ADMISSION_CONDITIONS: readonly ConditionDef[] = [
  acute('K35.8', 'Острый аппендицит, другой и неуточненный', 5, 3, {
    medications: ['amoxiclav'], panels: ['cbc', 'chemistry'], shift: { temperature: 1.2, leukocytes: 7 }, procedures: ['appendectomy'],
  }),
  acute('I21.9', 'Острый инфаркт миокарда неуточненный', 45, 2, {
    medications: ['aspirin', 'atorvastatin'], panels: ['cbc', 'chemistry', 'lipids'], shift: { heartRate: 12 }, procedures: ['ecg'],
  }),
  PNEUMONIA,
];

/** Reason for preventive visits (диспансеризация, профосмотр). */
export const CHECKUP_REASON: CodeableConcept = cc('Z00.0', 'Общий медицинский осмотр');

export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';

export const CLINICAL_STATUS = {
  active: { coding: [{ system: CONDITION_CLINICAL, code: 'active', display: 'Active' }] },
  resolved: { coding: [{ system: CONDITION_CLINICAL, code: 'resolved', display: 'Resolved' }] },
} satisfies Record<string, CodeableConcept>;

export const CONFIRMED: CodeableConcept = {
  coding: [{ system: CONDITION_VERIFICATION, code: 'confirmed', display: 'Confirmed' }],
};

export const CONDITION_CATEGORIES = {
  problemList: [{ coding: [{ system: CONDITION_CATEGORY, code: 'problem-list-item', display: 'Problem List Item' }] }],
  encounterDiagnosis: [{ coding: [{ system: CONDITION_CATEGORY, code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }] }],
} satisfies Record<string, CodeableConcept[]>;

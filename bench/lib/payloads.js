'use strict';
// The FHIR bodies the bench sends: plausible Patients and vital-sign Observations (LOINC codes,
// UCUM units), varied per request so no layer can serve a repeated answer.
const { randomUUID } = require('node:crypto');

const FAMILIES = ['Ivanov', 'Petrova', 'Smirnov', 'Kuznetsova', 'Popov', 'Volkova', 'Sokolov', 'Morozova'];
const GIVEN = ['Ivan', 'Anna', 'Sergei', 'Olga', 'Dmitry', 'Elena', 'Nikolai', 'Maria'];
const BENCH_MRN = 'https://bench.kartoteka.invalid/mrn'; // a bench-only identifier system

const VITALS = [
  { code: '8867-4', display: 'Heart rate', unit: '/min', min: 50, max: 110, digits: 0 },
  { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]', min: 95, max: 170, digits: 0 },
  { code: '8462-4', display: 'Diastolic blood pressure', unit: 'mm[Hg]', min: 55, max: 105, digits: 0 },
  { code: '29463-7', display: 'Body weight', unit: 'kg', min: 45, max: 130, digits: 1 },
  { code: '8310-5', display: 'Body temperature', unit: 'Cel', min: 35.8, max: 38.9, digits: 1 },
  { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', unit: 'mg/dL', min: 65, max: 180, digits: 0 },
  { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', unit: '%', min: 90, max: 100, digits: 0 },
];

const pick = (a) => a[Math.floor(Math.random() * a.length)];
const between = (min, max, digits) => Number((min + Math.random() * (max - min)).toFixed(digits));

function birthDate() {
  const y = 1930 + Math.floor(Math.random() * 90);
  const m = String(1 + Math.floor(Math.random() * 12)).padStart(2, '0');
  const d = String(1 + Math.floor(Math.random() * 28)).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

function patient(mrn, id) {
  const female = Math.random() < 0.5;
  return {
    resourceType: 'Patient',
    ...(id ? { id } : {}),
    identifier: [{ system: BENCH_MRN, value: mrn }],
    active: true,
    name: [{ use: 'official', family: pick(FAMILIES), given: [pick(GIVEN)] }],
    gender: female ? 'female' : 'male',
    birthDate: birthDate(),
    telecom: [{ system: 'phone', value: `+7 9${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`, use: 'mobile' }],
    address: [{ use: 'home', city: 'Kazan', line: [`ul. Pushkina, ${1 + Math.floor(Math.random() * 200)}`], postalCode: '420111' }],
  };
}

function observation(subjectRef, when) {
  const v = pick(VITALS);
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: v.code, display: v.display }] },
    subject: { reference: subjectRef },
    effectiveDateTime: when,
    valueQuantity: { value: between(v.min, v.max, v.digits), unit: v.unit, system: 'http://unitsofmeasure.org', code: v.unit },
  };
}

const postEntry = (resource) => {
  const fullUrl = `urn:uuid:${randomUUID()}`;
  return { fullUrl, resource, request: { method: 'POST', url: resource.resourceType } };
};

/** A transaction of `size` Patients (for seeding). */
function patientBundle(size, mrnPrefix) {
  const entry = [];
  for (let i = 0; i < size; i++) entry.push(postEntry(patient(`${mrnPrefix}-${i}`)));
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

/** A transaction of 1 Patient + (size - 1) Observations that reference it by urn:uuid. */
function ingestBundle(size, mrn) {
  const p = postEntry(patient(mrn));
  const entry = [p];
  const start = Date.now() - 365 * 24 * 3600 * 1000;
  for (let i = 1; i < size; i++) {
    const when = new Date(start + Math.floor(Math.random() * 365 * 24 * 3600 * 1000)).toISOString();
    entry.push(postEntry(observation(p.fullUrl, when)));
  }
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

module.exports = { patient, patientBundle, ingestBundle };

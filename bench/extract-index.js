/* eslint-disable no-console */
/**
 * Micro-benchmark of search-index extraction (registry + extractIndexRows), per resource.
 * Ingest must sustain 3,000 resources/s on 2 cores including validation and the PostgreSQL
 * write, so extraction should stay well under 100 µs per resource.
 *
 *   npx tsc -p tsconfig.build.json && node bench/extract-index.js
 *
 * KT_DIST points at another build output (default: dist/ beside this folder).
 */
const path = require('node:path');

const dist = process.env.KT_DIST ?? path.join(__dirname, '..', 'dist');
const { getSearchParameterRegistry } = require(path.join(dist, 'src/fhir/search/registry/search-parameter-registry'));
const { extractIndexRows } = require(path.join(dist, 'src/fhir/search/index/extract-index-rows'));

const patient = {
  resourceType: 'Patient',
  id: 'p1',
  meta: { versionId: '1', lastUpdated: '2024-02-01T10:00:00.000Z', tag: [{ system: 'urn:kartoteka:tag', code: 'seed' }] },
  identifier: [
    { system: 'urn:oid:1.2.643.100.3', value: '112-233-445 95', type: { text: 'СНИЛС' } },
    { system: 'urn:oid:1.2.643.100.148', value: '7700000000000000' },
  ],
  active: true,
  name: [{ use: 'official', family: 'Ёлкина', given: ['Анна', 'Сергеевна'] }],
  telecom: [{ system: 'phone', value: '+7 900 000-00-00' }],
  gender: 'female',
  birthDate: '1985-07-14',
  address: [{ line: ['ул. Ленина, д. 1, кв. 2'], city: 'Москва', postalCode: '101000', country: 'RU' }],
  generalPractitioner: [{ reference: 'Practitioner/dr1' }],
  managingOrganization: { reference: 'Organization/org1' },
};

const observation = {
  resourceType: 'Observation',
  id: 'o1',
  meta: { versionId: '1', lastUpdated: '2024-02-01T10:00:00.000Z' },
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Пульс' },
  subject: { reference: 'Patient/p1' },
  encounter: { reference: 'Encounter/e1' },
  effectiveDateTime: '2024-02-01T09:15:00+03:00',
  issued: '2024-02-01T09:20:00.000+03:00',
  performer: [{ reference: 'Practitioner/dr1' }],
  valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
};

const encounter = {
  resourceType: 'Encounter',
  id: 'e1',
  meta: { versionId: '1', lastUpdated: '2024-02-01T10:00:00.000Z' },
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
  type: [{ coding: [{ system: 'http://snomed.info/sct', code: '185349003' }], text: 'Осмотр' }],
  subject: { reference: 'Patient/p1' },
  participant: [{ individual: { reference: 'Practitioner/dr1' } }],
  period: { start: '2024-02-01T09:00:00+03:00', end: '2024-02-01T09:30:00+03:00' },
  reasonCode: [{ coding: [{ system: 'urn:oid:1.2.643.5.1.13.13.11.1005', code: 'J06.9' }] }],
  serviceProvider: { reference: 'Organization/org1' },
};

function measure(name, resource, options) {
  const registry = getSearchParameterRegistry();
  const run = () => extractIndexRows(resource, registry, options);
  for (let i = 0; i < 5_000; i++) run();
  const n = 50_000;
  const start = process.hrtime.bigint();
  let rows = 0;
  for (let i = 0; i < n; i++) rows += run().token.length;
  const us = Number(process.hrtime.bigint() - start) / 1e3 / n;
  const sample = run();
  const count = Object.entries(sample).reduce((acc, [, list]) => acc + list.length, 0);
  console.log(`${name.padEnd(34)} ${us.toFixed(1).padStart(7)} µs/resource  (${count} rows incl. compartments)`);
  return rows;
}

const t0 = process.hrtime.bigint();
getSearchParameterRegistry();
console.log(`registry build (schema + parse): ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);
measure('Patient', patient);
measure('Observation', observation);
measure('Encounter', encounter);
measure('Observation, medplum evaluator only', observation, { useCompiledPaths: false });

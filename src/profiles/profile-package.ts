import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';

/**
 * The conformance package compiled from fhir-profiles/ (`npm run profiles:build`), read as FHIR
 * NPM package files: `package/.index.json` lists the definitions, `package/example/.index.json`
 * the examples. The JSON is committed, so the server needs no build step at runtime.
 */
export interface ProfilePackage {
  name: string;
  version: string;
  /** StructureDefinitions, ValueSets, NamingSystems, SearchParameters, ... in index order. */
  definitions: Resource[];
  /** Example instances; never loaded into the server, used by the package's own tests. */
  examples: Resource[];
}

interface PackageIndex {
  files: { filename: string; resourceType: string; id: string }[];
}

const PACKAGE_DIR = path.join('fhir-profiles', 'package');

/**
 * The package directory: found by walking up from this file, since it runs both from src/ (tests)
 * and from dist/src/ (compiled), and from the working directory (a container's /app).
 */
export function findPackageDir(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, PACKAGE_DIR);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  const fromCwd = path.resolve(PACKAGE_DIR);
  if (fs.existsSync(path.join(fromCwd, 'package.json'))) return fromCwd;
  throw new Error(`The profile package (${PACKAGE_DIR}) was not found; run npm run profiles:build`);
}

export function loadProfilePackage(dir: string = findPackageDir()): ProfilePackage {
  const manifest = readJson<{ name: string; version: string }>(path.join(dir, 'package.json'));
  return {
    name: manifest.name,
    version: manifest.version,
    definitions: readIndexed(dir),
    examples: fs.existsSync(path.join(dir, 'example', '.index.json')) ? readIndexed(path.join(dir, 'example')) : [],
  };
}

function readIndexed(dir: string): Resource[] {
  const index = readJson<PackageIndex>(path.join(dir, '.index.json'));
  return index.files.map((f) => {
    const resource = readJson<Resource>(path.join(dir, f.filename));
    if (resource.resourceType !== f.resourceType || resource.id !== f.id) {
      throw new Error(`${f.filename} does not hold the ${f.resourceType}/${f.id} its .index.json names`);
    }
    return resource;
  });
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

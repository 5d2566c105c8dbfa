import { tryGetDataType } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { getSearchParameterRegistry } from '../registry/search-parameter-registry';
import { SUPPORTED_TYPES } from '../registry/supported-types';
import type { PathBranch, PathStep } from './compiled-path';
import { compiledPathOf } from './evaluate-parameter';
import { extractIndexRows } from './extract-index-rows';
import type { IndexRows } from './index-rows';

const registry = getSearchParameterRegistry();
const RUNS = 40;

// ---- Values of each FHIR data type the search expressions reach ----------------------------------

const opt = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<Partial<T>> =>
  fc.record(model, { requiredKeys: [], noNullPrototype: true }) as fc.Arbitrary<Partial<T>>;

const text = fc.oneof(
  fc.constantFrom('Иванов', 'Ёлкина', 'Zoë', 'two  words', ' x ', '', 'Patient/p1'),
  fc.string({ maxLength: 8 }),
);
const code = fc.constantFrom('final', 'active', 'AMB', 'x-y', 'true', '');
const uri = fc.constantFrom('urn:oid:1.2.643.100.3', 'http://loinc.org', 'https://x.example/a|1.0', '');
const date = fc.constantFrom('2020', '2020-02', '2020-02-29', '1999-12-31', '0050', '2021-02-29');
const dateTime = fc.oneof(
  date,
  fc.constantFrom('2020-03-05T10:00:00+03:00', '2020-03-05T10:00:00.5Z', '2020-03-05T23:59:59.999-11:00'),
);
const decimal = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
const quantity = opt({ value: decimal, unit: text, system: uri, code });
const period = opt({ start: dateTime, end: dateTime });
const coding = opt({ system: uri, code, display: text });
const reference = opt({
  reference: fc.constantFrom(
    'Patient/p1',
    'Patient/p2/_history/3',
    'Practitioner/dr1',
    'Organization/o1',
    'Group/g1',
    '#contained',
    'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0',
  ),
  display: text,
});

const LEAVES: Record<string, fc.Arbitrary<unknown>> = {
  string: text,
  markdown: text,
  code,
  uri,
  url: uri,
  canonical: uri,
  boolean: fc.boolean(),
  integer: fc.integer(),
  positiveInt: fc.nat(),
  decimal,
  date,
  dateTime,
  instant: fc.constantFrom('2020-03-05T10:00:00.000Z', '2020-03-05T10:00:00.123+03:00'),
  Period: period,
  Timing: opt({ event: fc.array(dateTime, { maxLength: 2 }), repeat: opt({ boundsPeriod: period }) }),
  Coding: coding,
  CodeableConcept: opt({ coding: fc.array(coding, { maxLength: 3 }), text }),
  Identifier: opt({ system: uri, value: text, type: opt({ text }) }),
  ContactPoint: opt({ system: fc.constantFrom('phone', 'email'), value: text }),
  HumanName: opt({ family: text, given: fc.array(text, { maxLength: 2 }), prefix: fc.array(text), text }),
  Address: opt({ line: fc.array(text, { maxLength: 2 }), city: text, postalCode: text, country: text, text }),
  Reference: reference,
  Quantity: quantity,
  Age: quantity,
  Duration: quantity,
  Money: opt({ value: decimal, currency: fc.constantFrom('RUB', 'EUR') }),
  Range: opt({ low: quantity, high: quantity }),
  SampledData: opt({ origin: quantity, period: decimal, dimensions: fc.nat(), data: text }),
  Attachment: opt({ url: uri, title: text }),
};

// ---- Resources built along the compiled paths, so every search expression has something to find --

function branchesOf(resourceType: string): PathBranch[] {
  const seen = new Map<string, PathBranch>();
  for (const def of registry.getIndexedParameters(resourceType)) {
    for (const branch of compiledPathOf(def) ?? []) seen.set(JSON.stringify(branch.steps), branch);
  }
  return [...seen.values()];
}

type Json = Record<string, unknown>;

/** The other keys of the choice element `key` belongs to (`valueQuantity` -> `valueString`, ...). */
function choiceSiblings(parentType: string, step: PathStep & { kind: 'property' }): string[] {
  const base = step.key.slice(0, step.key.length - step.type.length);
  const choice = tryGetDataType(parentType)?.elements[base + '[x]'];
  if (!choice || base.length === 0) return [];
  return choice.type.map((t) => base + t.code[0].toUpperCase() + t.code.slice(1)).filter((k) => k !== step.key);
}

/** Sets `leaf` at the end of `branch`, creating (or reusing) the objects on the way. */
function place(root: Json, rootType: string, branch: PathBranch, leaf: unknown, satisfyWhere: boolean): void {
  let parent = root;
  let parentType = rootType;
  const { steps } = branch;
  const lastProperty = steps.map((s) => s.kind).lastIndexOf('property');
  for (let i = 0; i <= lastProperty; i++) {
    const step = steps[i];
    if (step.kind !== 'property') continue;
    for (const sibling of choiceSiblings(parentType, step)) delete parent[sibling];
    const existing = Array.isArray(parent[step.key]) ? (parent[step.key] as unknown[])[0] : parent[step.key];
    let child: unknown = i === lastProperty ? leaf : existing;
    if (i !== lastProperty && (typeof child !== 'object' || child === null || Array.isArray(child))) child = {};
    for (let j = i + 1; j < steps.length && steps[j].kind !== 'property'; j++) {
      if (typeof child !== 'object' || child === null) break;
      applyWhere(child as Json, steps[j], satisfyWhere);
    }
    parent[step.key] = step.isArray ? [child] : child;
    parent = child as Json;
    parentType = step.type;
  }
}

function applyWhere(node: Json, step: PathStep, satisfy: boolean): void {
  if (step.kind === 'whereEquals') node[step.key] = satisfy ? step.literal : 'something-else';
  if (step.kind === 'whereResolveIs') {
    node.reference = satisfy ? `${step.resourceType}/w1` : step.resourceType === 'Device' ? 'Group/w1' : 'Device/w1';
  }
}

function resourceArb(resourceType: string, leafOf: (type: string) => fc.Arbitrary<unknown>): fc.Arbitrary<Resource> {
  const branches = branchesOf(resourceType);
  return fc
    .tuple(fc.subarray(branches, { maxLength: 12 }), fc.string({ minLength: 1, maxLength: 4, unit: 'grapheme-ascii' }))
    .chain(([chosen, id]) =>
      fc.tuple(...chosen.map((b) => fc.tuple(leafOf(b.type), fc.boolean()))).map((leaves) => {
        const resource: Json = { resourceType, id };
        chosen.forEach((b, i) => place(resource, resourceType, b, leaves[i][0], leaves[i][1]));
        return resource as unknown as Resource;
      }),
    );
}

const wellTyped = (type: string): fc.Arbitrary<unknown> => LEAVES[type] ?? fc.constant({});
const anything = (type: string): fc.Arbitrary<unknown> =>
  fc.oneof(wellTyped(type), fc.jsonValue({ maxDepth: 3 }), fc.constant(null));

// ---- Checks ----------------------------------------------------------------------------------------

function sortedRows(rows: IndexRows): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(rows).map(([table, list]) => [table, (list as unknown[]).map((r) => JSON.stringify(r)).sort()]),
  );
}

const TABLE_OF_TYPE: Record<string, keyof IndexRows> = {
  token: 'token',
  string: 'string',
  date: 'date',
  reference: 'reference',
  quantity: 'quantity',
  number: 'number',
  uri: 'uri',
};

function expectWellFormed(resource: Resource, rows: IndexRows): void {
  for (const [table, list] of Object.entries(rows)) {
    if (table === 'compartments') continue;
    for (const row of list as { param: string }[]) {
      const def = registry.getParameter(resource.resourceType, row.param);
      expect(def && def.searchable && !def.column && TABLE_OF_TYPE[def.type]).toBe(table);
    }
  }
  for (const row of rows.date) {
    if (row.low && row.high) expect(row.low.getTime()).toBeLessThanOrEqual(row.high.getTime());
    expect(row.low === null || Number.isFinite(row.low.getTime())).toBe(true);
    expect(row.high === null || Number.isFinite(row.high.getTime())).toBe(true);
  }
  for (const row of [...rows.quantity, ...rows.number]) expect(Number.isFinite(row.value)).toBe(true);
  for (const row of rows.string) expect(row.norm.length).toBeGreaterThan(0);
  const patients = new Set(rows.reference.filter((r) => r.targetType === 'Patient').map((r) => r.targetId));
  if (resource.resourceType === 'Patient') patients.add(resource.id as string);
  for (const id of rows.compartments) expect(patients.has(id)).toBe(true);
  expect(new Set(rows.compartments).size).toBe(rows.compartments.length);
}

describe.each(SUPPORTED_TYPES)('%s', (resourceType) => {
  it('gives the same rows through the compiled walks as through medplum, on well-typed data', () => {
    fc.assert(
      fc.property(resourceArb(resourceType, wellTyped), (resource) => {
        const compiled = extractIndexRows(resource);
        expectWellFormed(resource, compiled);
        expect(sortedRows(compiled)).toEqual(
          sortedRows(extractIndexRows(resource, registry, { useCompiledPaths: false })),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on arbitrary JSON at the searched paths, and only makes rows of its parameters', () => {
    fc.assert(
      fc.property(resourceArb(resourceType, anything), (resource) => {
        expectWellFormed(resource, extractIndexRows(resource));
        expectWellFormed(resource, extractIndexRows(resource, registry, { useCompiledPaths: false }));
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on arbitrary top-level JSON', () => {
    const keys = fc.oneof(
      fc.constantFrom(...Object.keys(tryGetDataType(resourceType)?.elements ?? {}).map((k) => k.replace('[x]', ''))),
      fc.string({ maxLength: 6 }),
    );
    const resource = fc
      .dictionary(keys, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6, noNullPrototype: true })
      .map((fields) => ({ ...fields, resourceType }) as unknown as Resource);
    fc.assert(
      fc.property(resource, (r) => {
        expectWellFormed(r, extractIndexRows(r));
      }),
      { numRuns: RUNS },
    );
  });
});

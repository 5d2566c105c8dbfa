import { evalFhirPathTyped, parseFhirPath, toTypedValue } from '@medplum/core';
import { getSearchParameterRegistry } from '../registry/search-parameter-registry';
import type { IndexedParamType } from '../registry/search-parameter-def';
import { SUPPORTED_TYPES } from '../registry/supported-types';
import { compilePath, type PathValue, walkPath } from './compiled-path';
import { extractDate } from './date.extractor';
import { compiledPathOf } from './evaluate-parameter';
import { extractNumber } from './number.extractor';
import { extractQuantity } from './quantity.extractor';
import { extractReference } from './reference.extractor';
import { RowCollector } from './row-collector';
import { extractString } from './string.extractor';
import { extractToken } from './token.extractor';
import { extractUri } from './uri.extractor';
import type { ValueExtractor } from './value-extractor';

const registry = getSearchParameterRegistry();

function values(expression: string, resourceType: string, resource: object): PathValue[] {
  const path = compilePath(parseFhirPath(expression), resourceType);
  if (!path) throw new Error(`not compiled: ${expression}`);
  const out: PathValue[] = [];
  walkPath(resource, path, out);
  return out;
}

describe('compilePath', () => {
  it('walks a path through arrays, skipping nulls', () => {
    const patient = { resourceType: 'Patient', name: [{ given: ['A', null, 'B'] }, null, { given: 'C' }] };
    expect(values('Patient.name.given', 'Patient', patient)).toEqual([
      { type: 'string', value: 'A' },
      { type: 'string', value: 'B' },
      { type: 'string', value: 'C' },
    ]);
  });

  it('fans a choice element out into its typed keys, and `as` keeps one', () => {
    const obs = { resourceType: 'Observation', valueString: 'x', effectivePeriod: { start: '2020' } };
    expect(values('Observation.value', 'Observation', obs)).toEqual([{ type: 'string', value: 'x' }]);
    expect(values('(Observation.value as Quantity)', 'Observation', obs)).toEqual([]);
    expect(values('Observation.effective.as(Period)', 'Observation', obs)).toEqual([
      { type: 'Period', value: { start: '2020' } },
    ]);
    expect(compilePath(parseFhirPath('Observation.value'), 'Observation')).toHaveLength(11);
  });

  it('filters with where(field = literal) and where(resolve() is Type)', () => {
    const patient = {
      resourceType: 'Patient',
      telecom: [
        { system: 'phone', value: '1' },
        { system: 'email', value: 'a@b' },
      ],
    };
    expect(values("Patient.telecom.where(system='email')", 'Patient', patient)).toEqual([
      { type: 'ContactPoint', value: { system: 'email', value: 'a@b' } },
    ]);
    const obs = { resourceType: 'Observation', performer: [{ reference: 'Patient/1' }, { reference: 'Group/2' }] };
    expect(values('Observation.performer.where(resolve() is Patient)', 'Observation', obs)).toEqual([
      { type: 'Reference', value: { reference: 'Patient/1' } },
    ]);
  });

  it("compiles extension('url') as the extensions with that url", () => {
    const patient = {
      resourceType: 'Patient',
      extension: [
        { url: 'https://kartoteka.example/citizenship', valueCodeableConcept: { text: 'RU' } },
        { url: 'https://kartoteka.example/other', valueString: 'x' },
      ],
    };
    const ext = "Patient.extension('https://kartoteka.example/citizenship').value";
    expect(values(ext, 'Patient', patient)).toEqual([{ type: 'CodeableConcept', value: { text: 'RU' } }]);
    expect(evalFhirPathTyped(parseFhirPath(ext), [toTypedValue(patient)])).toEqual([
      { type: 'CodeableConcept', value: { text: 'RU' } },
    ]);
  });

  it('reads Extension.url and other System-typed elements as FHIR types', () => {
    expect(values('Patient.extension.url', 'Patient', { extension: [{ url: 'u' }] })).toEqual([
      { type: 'uri', value: 'u' },
    ]);
  });

  it('leaves anything else to medplum', () => {
    for (const expression of [
      'Patient.name.first()',
      'Patient.deceased.exists() and Patient.deceased != false',
      'Patient.name.where(use = %x)',
      'Patient.nonsense',
      'Patient.name.family.value',
    ]) {
      expect(compilePath(parseFhirPath(expression), 'Patient')).toBeUndefined();
    }
  });

  it('compiles every R4 search expression of the supported types but one', () => {
    const notCompiled = SUPPORTED_TYPES.flatMap((type) =>
      registry.getIndexedParameters(type).filter((def) => !compiledPathOf(def)).map((d) => `${type}.${d.code}`),
    );
    expect(notCompiled).toEqual(['Patient.deceased']);
  });
});

/** One well-formed value of each data type the R4 search expressions reach. */
const SAMPLES: Record<string, unknown> = {
  string: 'x',
  markdown: 'x',
  code: 'x',
  uri: 'urn:x',
  url: 'https://x.example/a',
  canonical: 'https://x.example/StructureDefinition/a',
  boolean: true,
  date: '2020',
  dateTime: '2020-01-01T00:00:00Z',
  instant: '2020-01-01T00:00:00.000Z',
  Period: { start: '2020' },
  Timing: { event: ['2020'] },
  Coding: { system: 's', code: 'c' },
  CodeableConcept: { coding: [{ system: 's', code: 'c' }] },
  Identifier: { system: 's', value: 'v' },
  ContactPoint: { system: 'phone', value: '1' },
  HumanName: { family: 'F' },
  Address: { city: 'C' },
  Reference: { reference: 'Patient/1' },
  Quantity: { value: 1 },
  Age: { value: 1 },
  Duration: { value: 1 },
  Range: { low: { value: 1 } },
  SampledData: { origin: { value: 1 }, period: 1, dimensions: 1 },
  Attachment: { url: 'https://x.example/a' },
};

/** Data types a parameter reaches through a choice element but cannot search (R4 search.html). */
const NOT_INDEXED = new Set([
  'date Age',
  'date Range',
  'date string',
  'quantity Range',
  'quantity SampledData',
  'reference Attachment',
]);

const EXTRACTORS: Record<IndexedParamType, ValueExtractor> = {
  token: extractToken,
  string: extractString,
  date: extractDate,
  reference: extractReference,
  quantity: extractQuantity,
  number: extractNumber,
  uri: extractUri,
};

describe('extractor coverage', () => {
  const pairs = new Set<string>();
  for (const type of SUPPORTED_TYPES) {
    for (const def of registry.getIndexedParameters(type)) {
      for (const branch of compiledPathOf(def) ?? []) pairs.add(`${def.type} ${branch.type}`);
    }
  }

  it.each([...pairs].sort())('%s', (pair) => {
    const [paramType, dataType] = pair.split(' ');
    expect(SAMPLES).toHaveProperty([dataType]);
    const collector = new RowCollector();
    EXTRACTORS[paramType as IndexedParamType]('p', { type: dataType, value: SAMPLES[dataType] }, {
      rows: collector,
      serverBaseUrls: [],
    });
    const count = Object.values(collector.rows).reduce((n, rows: unknown[]) => n + rows.length, 0);
    expect(count > 0).toBe(!NOT_INDEXED.has(pair));
  });
});

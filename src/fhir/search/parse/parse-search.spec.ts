import type { ParamFilter } from '../search-request';
import { getSearchParameterRegistry } from '../registry/search-parameter-registry';
import { parseSearch } from './parse-search';

const registry = getSearchParameterRegistry();
const now = new Date('2025-06-01T00:00:00Z');
const parse = (type: string | undefined, q: string, strict = false) => parseSearch(registry, type, new URLSearchParams(q), { strict, baseUrl: 'https://k.example/fhir', now });

describe('parseSearch', () => {
  it('parses parameters with their values, OR by comma and AND by repetition', () => {
    const req = parse('Observation', 'code=a,http://loinc.org|b&code=|c&date=ge2020-01&_count=5');
    expect(req.filters.map((f) => [(f as ParamFilter).def.code, (f as ParamFilter).values])).toEqual([
      ['code', [{ code: 'a' }, { system: 'http://loinc.org', code: 'b' }]],
      ['code', [{ system: null, code: 'c' }]],
      ['date', [{ prefix: 'ge', low: new Date('2020-01-01T00:00:00.000Z'), high: new Date('2020-01-31T23:59:59.999Z') }]],
    ]);
    expect(req.count).toBe(5);
    expect(req.query).toEqual([['code', 'a,http://loinc.org|b'], ['code', '|c'], ['date', 'ge2020-01'], ['_count', '5']]);
  });

  it('parses chains with and without a type, and reverse chains', () => {
    const chain = parse('Observation', 'subject:Patient.general-practitioner.name=x').filters[0];
    expect(chain).toMatchObject({ kind: 'chain', def: { code: 'subject' }, targets: [{ type: 'Patient', filter: { kind: 'chain', def: { code: 'general-practitioner' } } }] });
    const untyped = parse('Observation', 'subject.name=x').filters[0];
    expect(untyped.kind === 'chain' && untyped.targets.map((t) => t.type)).toEqual(['Patient', 'Location']);
    const has = parse('Patient', '_has:Observation:patient:code:not=x').filters[0];
    expect(has).toMatchObject({ kind: 'has', sourceType: 'Observation', def: { code: 'patient' }, filter: { kind: 'param', modifier: 'not' } });
  });

  it('lists unknown parameters (lenient) and refuses them when strict', () => {
    const req = parse('Patient', 'nonsense=1&_text=x&name=a&subject.name=b&_format=json');
    expect(req.ignored).toEqual(['nonsense', '_text', 'subject']);
    expect(req.filters).toHaveLength(1);
    expect(() => parse('Patient', 'nonsense=1', true)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('reads result parameters', () => {
    const req = parse('Patient', '_sort=-birthdate,_id&_total=accurate&_summary=data&_elements=Patient.name,gender&_include=Patient:organization&_revinclude:iterate=Observation:subject');
    expect(req.sort.map((k) => [k.code, k.descending])).toEqual([['birthdate', true], ['_id', false]]);
    expect(req).toMatchObject({ total: 'accurate', summary: 'data', elements: ['name', 'gender'] });
    expect(req.include).toEqual([
      { reverse: false, iterate: false, sourceType: 'Patient', param: 'organization' },
      { reverse: true, iterate: true, sourceType: 'Observation', param: 'subject' },
    ]);
  });

  it('clamps _count to 1000 and defaults it to 20', () => {
    expect(parse('Patient', '_count=5000').count).toBe(1000);
    expect(parse('Patient', '_count=000000000000000000000007').count).toBe(7);
    expect(parse('Patient', '').count).toBe(20);
    expect(parse('Patient', '_count=0').count).toBe(0);
  });

  it('binds the cursor identity to the types, filters and sort only', () => {
    expect(parse('Patient', 'name=a&_count=5').identity).toBe(parse('Patient', 'name=a&_count=50&_total=accurate').identity);
    expect(parse('Patient', 'name=a').identity).not.toBe(parse('Patient', 'name=b').identity);
    expect(parse('Patient', 'name=a').identity).not.toBe(parse('Patient', 'name=a&_sort=name').identity);
  });

  it('searches several types at the system level with the parameters they share', () => {
    const req = parse(undefined, '_type=Patient,Practitioner&name=x&_lastUpdated=gt2020');
    expect(req.resourceTypes).toEqual(['Patient', 'Practitioner']);
    expect(req.filters).toHaveLength(2);
    expect(parse(undefined, '_type=Patient,Observation&code=x').ignored).toEqual(['code']);
  });

  it.each([
    ['Observation', 'date=2020-02-30'],
    ['Observation', 'date=xx2020'],
    ['Observation', 'value-quantity=ge'],
    ['Observation', 'code:exact=a'],
    ['Observation', 'code=a|b|c'],
    ['Observation', 'code:missing=maybe'],
    ['Observation', 'subject:Nothing=1'],
    ['Observation', 'code.name=1'],
    ['Observation', '_sort=nonsense'],
    ['Observation', '_total=all'],
    ['Observation', '_summary=yes'],
    ['Observation', '_elements=na me'],
    ['Observation', '_include=Observation'],
    ['Observation', '_count=-1'],
    ['Patient', '_has:Observation:patient=1'],
    ['Patient', '_has:Nothing:patient:code=1'],
    ['Patient', `general-practitioner.organization.partof.partof.name=x`],
  ])('refuses %s?%s (400)', (type, q) => {
    expect(() => parse(type, q)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('refuses more than 1000 values in all', () => {
    const codes = Array.from({ length: 600 }, (_, i) => `c${i}`).join(',');
    expect(parse('Observation', `code=${codes}`).filters).toHaveLength(1);
    expect(() => parse('Observation', `code=${codes}&category=${codes}`)).toThrow(expect.objectContaining({ status: 400 }));
  });
});

import fc from 'fast-check';
import { startTestServer, TestServer } from '../support/test-app';
import { dateMatches, load, matchIds, partialDates, runId } from './search-fixtures';

/**
 * STYLE.md: search on PostgreSQL agrees with a simple in-memory matcher on random data. The
 * matcher below is written from the specification's text (R4 search.html string, token, date),
 * independently of the engine (it uses the plain prefix definitions, not the engine's rewrites).
 */
interface Person {
  id: string;
  family: string;
  identifier?: { system?: string; value: string };
  birthDate?: string;
}

const LETTERS = ['a', 'b', 'á', 'B', 'ё', 'е', 'Ё', 'x'];
const word = (min: number, max: number) => fc.array(fc.constantFrom(...LETTERS), { minLength: min, maxLength: max }).map((a) => a.join(''));
const partialDate = partialDates(2000, 2002);
const SYSTEMS = ['urn:s1', 'urn:s2'];
const CODES = ['v1', 'v2', 'v3'];

const norm = (s: string) => s.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');

type Query = { param: string; values: string[] };

function matchesValue(p: Person, param: string, v: string): boolean {
  switch (param) {
    case 'family':
      return norm(p.family).startsWith(norm(v));
    case 'family:exact':
      return p.family === v;
    case 'family:contains':
      return norm(p.family).includes(norm(v));
    case 'identifier':
    case 'identifier:not': {
      const id = p.identifier;
      if (!id) return false;
      if (!v.includes('|')) return id.value === v;
      const [sys, code] = v.split('|');
      if (sys === '') return id.system === undefined && id.value === code;
      if (code === '') return id.system === sys;
      return id.system === sys && id.value === code;
    }
    case 'birthdate':
      return p.birthDate !== undefined && dateMatches(p.birthDate, v);
  }
  throw new Error(param);
}

function oracle(people: Person[], queries: Query[]): string[] {
  return people
    .filter((p) =>
      queries.every((q) => {
        const any = q.values.some((v) => matchesValue(p, q.param, v));
        return q.param === 'identifier:not' ? !any : any;
      }),
    )
    .map((p) => p.id)
    .sort();
}

describe('search agrees with an in-memory matcher (property)', () => {
  let s: TestServer;
  const run = runId();
  const people: Person[] = fc
    .sample(
      fc.record({
        family: word(1, 5),
        identifier: fc.option(fc.record({ system: fc.option(fc.constantFrom(...SYSTEMS), { nil: undefined }), value: fc.constantFrom(...CODES) }), { nil: undefined }),
        birthDate: fc.option(partialDate, { nil: undefined }),
      }),
      { numRuns: 60, seed: 7 },
    )
    .map((p, i) => ({ id: `${run}-${i}`, ...p }));

  beforeAll(async () => {
    s = await startTestServer();
    await load(
      s,
      run,
      people.map((p) => ({
        resourceType: 'Patient',
        id: p.id,
        name: [{ family: p.family }],
        ...(p.identifier ? { identifier: [p.identifier.system ? { system: p.identifier.system, value: p.identifier.value } : { value: p.identifier.value }] } : {}),
        ...(p.birthDate ? { birthDate: p.birthDate } : {}),
      })),
    );
  });
  afterAll(async () => {
    await s.close();
  });

  const tokenValue = fc.oneof(
    fc.constantFrom(...CODES),
    fc.tuple(fc.constantFrom(...SYSTEMS), fc.constantFrom(...CODES)).map(([a, b]) => `${a}|${b}`),
    fc.constantFrom(...CODES).map((c) => `|${c}`),
    fc.constantFrom(...SYSTEMS).map((sys) => `${sys}|`),
  );
  const query: fc.Arbitrary<Query> = fc.oneof(
    fc.record({ param: fc.constantFrom('family', 'family:exact', 'family:contains'), values: fc.array(word(1, 3), { minLength: 1, maxLength: 2 }) }),
    fc.record({ param: fc.constantFrom('identifier', 'identifier:not'), values: fc.array(tokenValue, { minLength: 1, maxLength: 2 }) }),
    fc.record({
      param: fc.constant('birthdate'),
      values: fc.array(fc.tuple(fc.constantFrom('', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'), partialDate).map(([p, d]) => p + d), { minLength: 1, maxLength: 2 }),
    }),
  );

  it('token, string and date searches return exactly what the matcher does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(query, { minLength: 1, maxLength: 3 }), async (queries) => {
        const q = queries.map((x) => `${x.param}=${x.values.map(encodeURIComponent).join(',')}`).join('&');
        expect(await matchIds(s, run, 'Patient', q)).toEqual(oracle(people, queries));
      }),
      { numRuns: 250, seed: 11 },
    );
  });
});

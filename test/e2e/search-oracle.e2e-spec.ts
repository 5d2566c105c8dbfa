import fc from 'fast-check';
import { startTestServer, TestServer } from '../support/test-app';
import { load, matchIds, runId } from './search-fixtures';

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
const partialDate = fc
  .tuple(fc.integer({ min: 2000, max: 2002 }), fc.option(fc.integer({ min: 1, max: 12 })), fc.option(fc.integer({ min: 1, max: 28 })))
  .map(([y, m, d]) => (m === null ? `${y}` : d === null ? `${y}-${pad(m)}` : `${y}-${pad(m)}-${pad(d)}`));
const SYSTEMS = ['urn:s1', 'urn:s2'];
const CODES = ['v1', 'v2', 'v3'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

const norm = (s: string) => s.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');

function range(d: string): [number, number] {
  const [y, m, day] = d.split('-').map(Number);
  if (m === undefined) return [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1) - 1];
  if (day === undefined) return [Date.UTC(y, m - 1, 1), Date.UTC(y, m, 1) - 1];
  return [Date.UTC(y, m - 1, day), Date.UTC(y, m - 1, day + 1) - 1];
}

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
    case 'birthdate': {
      if (!p.birthDate) return false;
      const prefix = /^[a-z]{2}/.test(v) ? v.slice(0, 2) : 'eq';
      const [ql, qh] = range(/^[a-z]{2}/.test(v) ? v.slice(2) : v);
      const [low, high] = range(p.birthDate);
      const eq = ql <= low && high <= qh;
      return {
        eq,
        ne: !eq,
        gt: high > qh,
        lt: low < ql,
        ge: high > qh || eq,
        le: low < ql || eq,
        sa: low > qh,
        eb: high < ql,
      }[prefix]!;
    }
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

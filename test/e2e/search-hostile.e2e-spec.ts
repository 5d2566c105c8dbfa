import fc from 'fast-check';
import { startTestServer, TestServer } from '../support/test-app';
import { expectOutcome, load, type R, runId, search, TAG_SYSTEM } from './search-fixtures';

/** Hostile search input (issue 4, item 6): a 400 OperationOutcome or a correct result, never 5xx. */
describe('search: hostile input', () => {
  let s: TestServer;
  const run = runId();
  const tag = `_tag=${encodeURIComponent(`${TAG_SYSTEM}|${run}`)}`;
  const METACHARACTERS = ["'", '"', ';', '--', '/*', '*/', '%', '_', '\\', '$1', '::text', "' OR '1'='1", "'); DROP TABLE resource; --", '\u0001', '|', '||', ',', '\\,', '$', 'NULL', '(', ')'];

  beforeAll(async () => {
    s = await startTestServer();
    await load(s, run, [
      { resourceType: 'Patient', id: `${run}-p`, name: [{ family: "O'Brien" }], identifier: [{ system: 'urn:x', value: "a'b" }], birthDate: '1970' },
      {
        resourceType: 'Observation',
        id: `${run}-o`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: `Patient/${run}-p` },
        valueQuantity: { value: 1, code: 'mg', system: 'http://unitsofmeasure.org' },
      },
    ]);
  });
  afterAll(async () => {
    await s.close();
  });

  const ok = (res: { status: number; body: R }) => {
    expect(res.status).toBeLessThan(500);
    expect(['Bundle', 'OperationOutcome']).toContain(res.body.resourceType);
    if (res.status === 200) expect(res.body.type).toBe('searchset');
    else expect(res.body.resourceType).toBe('OperationOutcome');
  };

  it.each(['name', 'identifier', 'birthdate', 'general-practitioner', '_id', '_lastUpdated', 'organization.name', '_has:Observation:patient:code'])(
    'SQL metacharacters in %s are only ever a value',
    async (param) => {
      for (const m of METACHARACTERS) {
        const res = await search(s, `/fhir/Patient?${tag}&${encodeURIComponent(param)}=${encodeURIComponent(m)}`);
        ok(res);
        // A lone comma is two empty values: the parameter is then ignored, as an empty one is.
        if (res.status === 200 && m !== ',') expect(res.body.entry ?? []).toEqual([]);
      }
      expect((await s.sql.query(`SELECT count(*)::int AS n FROM resource WHERE id = $1`, [`${run}-p`])).rows[0].n).toBe(1);
    },
  );

  it('finds values that contain metacharacters exactly', async () => {
    const ids = async (q: string) => ((await search(s, `/fhir/Patient?${tag}&${q}`)).body.entry ?? []).map((e: R) => e.resource.id);
    expect(await ids(`family=${encodeURIComponent("o'b")}`)).toEqual([`${run}-p`]);
    expect(await ids(`identifier=${encodeURIComponent("urn:x|a'b")}`)).toEqual([`${run}-p`]);
    expect(await ids(`family=${encodeURIComponent('o%')}`)).toEqual([]);
    expect(await ids(`family=${encodeURIComponent('o_')}`)).toEqual([]);
  });

  it('handles _count at the edges', async () => {
    expectOutcome(await search(s, '/fhir/Patient?_count=-5'), 400);
    expectOutcome(await search(s, '/fhir/Patient?_count=ten'), 400);
    ok(await search(s, `/fhir/Patient?${tag}&_count=99999999999999999999999999`));
    ok(await search(s, `/fhir/Patient?${tag}&_count=0`));
  });

  it('caps values: 1,000 in all (here 999 codes and the tag) answer, more are 400', async () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`).join(',');
    const many = await s.api.post('/fhir/Observation/_search?' + `${tag}&code=${values(999)}`).set('Content-Type', 'application/x-www-form-urlencoded').send('');
    expect(many.status).toBe(200);
    const tooMany = await s.api.post('/fhir/Observation/_search?' + `code=${values(1001)}`).set('Content-Type', 'application/x-www-form-urlencoded').send('');
    expectOutcome({ status: tooMany.status, body: JSON.parse(tooMany.text) }, 400);
  });

  it('answers an 8 KB query string', async () => {
    const long = `family=${'я'.repeat(700)}&name:contains=${'x'.repeat(2000)}&identifier=${'u'.repeat(3000)}|v`;
    expect(Buffer.byteLength(long)).toBeGreaterThan(6000);
    ok(await search(s, `/fhir/Patient?${tag}&${encodeURI(long)}`));
  });

  it('never answers 5xx to random parameters, modifiers and values (property)', async () => {
    const names = ['name', 'family', 'identifier', 'birthdate', 'gender', 'general-practitioner', 'organization', '_id', '_lastUpdated', '_tag', '_profile',
      '_security', 'code', 'date', 'value-quantity', 'subject', 'patient', '_sort', '_count', '_total', '_summary', '_elements', '_include', '_revinclude',
      '_cursor', '_has:Observation:patient:code', 'subject:Patient.name', 'general-practitioner.name', 'nonsense', '_type', '_text', '_has', 'a.b.c.d.e'];
    const modifiers = ['', ':missing', ':not', ':exact', ':contains', ':text', ':Patient', ':Practitioner', ':below', ':above', ':iterate', ':of-type', ':junk', ':', '::'];
    const prefixes = ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', 'zz'];
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(...METACHARACTERS),
      fc.tuple(fc.constantFrom(...prefixes), fc.constantFrom('2020', '2020-02-30', '2020-13', '1e9999', '-1.5', '0', '2024-01-01T10:00:00Z', 'infinity', 'NaN', '')).map(([p, v]) => p + v),
      fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([a, b]) => `${a}|${b}`),
      fc.array(fc.string({ maxLength: 5 }), { maxLength: 8 }).map((a) => a.join(',')),
      fc.constantFrom('true', 'false', 'Patient/x', '*', 'Observation:patient', '-family,_id', 'count', 'accurate'),
    );
    const pair = fc.tuple(fc.constantFrom(...names), fc.constantFrom(...modifiers), value);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('Patient', 'Observation', ''), fc.array(pair, { minLength: 1, maxLength: 4 }), async (type, pairs) => {
        const q = new URLSearchParams(pairs.map(([n, m, v]): [string, string] => [n + m, v]));
        const res = await search(s, `/fhir${type ? '/' + type : ''}?${q.toString()}`);
        ok(res);
      }),
      { numRuns: 300, seed: 20261125 },
    );
  });
});

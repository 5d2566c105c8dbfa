import fc from 'fast-check';
import { CompileScope } from '../../src/fhir/search/compile/compile-filter';
import { parseSearch } from '../../src/fhir/search/parse/parse-search';
import { getSearchParameterRegistry } from '../../src/fhir/search/registry/search-parameter-registry';
import { SearchQuery } from '../../src/fhir/search/search-query';
import { partitionOfPatient } from '../../src/fhir/store/partition-key';
import { startTestServer, TestServer } from '../support/test-app';
import { dateMatches, load, matchIds, partialDates, runId } from './search-fixtures';

/**
 * A search pinned to one patient (`Observation?patient=X&...`) is driven from the patient's rows:
 * its other parameters are fenced probes, and it runs as a prepared statement (compile-filter.ts,
 * search-query.ts). Its results must be exactly those of the plain semantics, also once
 * PostgreSQL switched the statement to its generic plan (after five executions of a shape).
 */
interface Obs {
  id: string;
  patient: string;
  /** [system, code] codings */
  codes: [string, string][];
  date?: string;
  status: string;
}

const SYSTEMS = ['http://loinc.org', 'urn:local'];
const CODES = ['8867-4', '8310-5', '29463-7'];
const STATUSES = ['final', 'amended', 'preliminary'];
const partialDate = partialDates(2019, 2021);

type Query = { param: string; values: string[] };

/** R4 search.html, written from the text: token forms, date prefixes over implicit ranges, :not, :missing. */
function matchesValue(o: Obs, param: string, v: string): boolean {
  switch (param) {
    case 'code':
    case 'code:not':
      if (!v.includes('|')) return o.codes.some(([, c]) => c === v);
      if (v.endsWith('|')) return o.codes.some(([s]) => s === v.slice(0, -1));
      return o.codes.some(([s, c]) => `${s}|${c}` === v);
    case 'status':
      return o.status === v;
    case 'date':
      return o.date !== undefined && dateMatches(o.date, v);
    case 'date:missing':
      return (v === 'true') === (o.date === undefined);
  }
  throw new Error(param);
}

function oracle(all: Obs[], patient: string, queries: Query[]): string[] {
  return all
    .filter((o) => o.patient === patient)
    .filter((o) =>
      queries.every((q) => {
        const any = q.values.some((v) => matchesValue(o, q.param, v));
        return q.param === 'code:not' ? !any : any;
      }),
    )
    .map((o) => o.id)
    .sort();
}

describe('searches pinned to one patient (patient-driven, prepared)', () => {
  let s: TestServer;
  const run = runId();
  const patients = [0, 1, 2].map((i) => `${run}-p${i}`);
  const observations: Obs[] = fc
    .sample(
      fc.record({
        patient: fc.constantFrom(...patients),
        codes: fc.array(fc.tuple(fc.constantFrom(...SYSTEMS), fc.constantFrom(...CODES)), { minLength: 1, maxLength: 2 }),
        date: fc.option(partialDate, { nil: undefined }),
        status: fc.constantFrom(...STATUSES),
      }),
      { numRuns: 90, seed: 5 },
    )
    .map((o, i) => ({ id: `${run}-o${i}`, ...o }));

  beforeAll(async () => {
    s = await startTestServer();
    await load(s, run, [
      ...patients.map((id) => ({ resourceType: 'Patient', id, name: [{ family: 'Pinned' }] })),
      ...observations.map((o) => ({
        resourceType: 'Observation',
        id: o.id,
        status: o.status,
        code: { coding: o.codes.map(([system, code]) => ({ system, code })) },
        subject: { reference: `Patient/${o.patient}` },
        ...(o.date ? { effectiveDateTime: o.date } : {}),
      })),
    ]);
  });
  afterAll(async () => {
    await s.close();
  });

  const tokenValue = fc.oneof(
    fc.constantFrom(...CODES),
    fc.tuple(fc.constantFrom(...SYSTEMS), fc.constantFrom(...CODES)).map(([a, b]) => `${a}|${b}`),
    fc.constantFrom(...SYSTEMS).map((sys) => `${sys}|`),
  );
  const query: fc.Arbitrary<Query> = fc.oneof(
    fc.record({ param: fc.constantFrom('code', 'code:not'), values: fc.array(tokenValue, { minLength: 1, maxLength: 2 }) }),
    fc.record({ param: fc.constant('status'), values: fc.array(fc.constantFrom(...STATUSES), { minLength: 1, maxLength: 2 }) }),
    fc.record({ param: fc.constant('date:missing'), values: fc.constantFrom('true', 'false').map((v) => [v]) }),
    fc.record({
      param: fc.constant('date'),
      values: fc.array(fc.tuple(fc.constantFrom('', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'), partialDate).map(([p, d]) => p + d), { minLength: 1, maxLength: 2 }),
    }),
  );
  const pin = fc.tuple(fc.constantFrom(...patients), fc.constantFrom('patient=', 'subject=Patient/', 'subject:Patient=', 'patient:Patient='));

  it('return exactly what the matcher does, for every patient and parameter combination', async () => {
    await fc.assert(
      fc.asyncProperty(pin, fc.array(query, { minLength: 0, maxLength: 3 }), async ([patient, how], queries) => {
        const q = [`${how}${encodeURIComponent(patient)}`, ...queries.map((x) => `${x.param}=${x.values.map(encodeURIComponent).join(',')}`)].join('&');
        expect(await matchIds(s, run, 'Observation', q)).toEqual(oracle(observations, patient, queries));
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  it('one shape, run again and again with other values (the generic plan), keeps its answers', async () => {
    // The same query shape 12 times: PostgreSQL plans the first five for their values, then may keep one plan.
    for (let i = 0; i < 12; i++) {
      const patient = patients[i % 3];
      const code = CODES[i % CODES.length];
      const q = `patient=${patient}&code=${encodeURIComponent(`http://loinc.org|${code}`)}&status=final,amended`;
      const queries = [
        { param: 'code', values: [`http://loinc.org|${code}`] },
        { param: 'status', values: ['final', 'amended'] },
      ];
      expect(await matchIds(s, run, 'Observation', q)).toEqual(oracle(observations, patient, queries));
    }
  });

  it("starts its generic plan from the patient's rows: every other parameter is probed per row", async () => {
    const now = new Date();
    const patient = patients[0];
    const req = parseSearch(getSearchParameterRegistry(), 'Observation', new URLSearchParams(`patient=${patient}&code=http://loinc.org|8867-4&date=ge2020-01-01`), {
      strict: false,
      baseUrl: 'http://x/fhir',
      now,
    });
    const q = new SearchQuery(req, new CompileScope('http://x/fhir', now, undefined, (p) => (p === patient ? [partitionOfPatient(p)] : undefined)));
    expect(q.prepared).toBe(true);
    let sql: { text: string; values: unknown[] } | undefined;
    await q.page({ query: async (c: { text: string; values: unknown[] }) => ((sql = c), { rows: [] }) } as never, 21);
    const client = await s.sql.connect();
    try {
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE kt_pinned_test AS ${sql!.text}`);
      // EXPLAIN EXECUTE takes no bind parameters: the values as literals (all text here).
      const literals = sql!.values.map((v) => (expect(typeof v).toBe('string'), client.escapeLiteral(v as string)));
      const explained = await client.query(`EXPLAIN (FORMAT JSON) EXECUTE kt_pinned_test(${literals.join(', ')})`);
      type Node = { 'Node Type': string; 'Relation Name'?: string; 'Parent Relationship'?: string; Plans?: Node[] };
      const scans: { relation: string; inSubPlan: boolean }[] = [];
      const walk = (n: Node, inSubPlan: boolean) => {
        const sub = inSubPlan || n['Parent Relationship'] === 'SubPlan';
        if (n['Relation Name']) scans.push({ relation: n['Relation Name'], inSubPlan: sub });
        for (const c of n.Plans ?? []) walk(c, sub);
      };
      walk(explained.rows[0]['QUERY PLAN'][0].Plan, false);
      const outer = scans.filter((x) => !x.inSubPlan).map((x) => x.relation.replace(/_(p\d+|legacy)$/, ''));
      // Outside subplans: only the patient's reference rows and the resources they lead to.
      expect([...new Set(outer)].sort()).toEqual(['resource', 'sp_reference']);
      expect(scans.filter((x) => x.inSubPlan).map((x) => x.relation.replace(/_(p\d+|legacy)$/, ''))).toEqual(expect.arrayContaining(['sp_token', 'sp_date']));
    } finally {
      await client.query('DEALLOCATE ALL').catch(() => undefined);
      client.release();
    }
  });

  it('a chained or _has filter keeps the search planned for its values (not prepared)', () => {
    const now = new Date();
    const reg = getSearchParameterRegistry();
    const partitions = (p: string) => [partitionOfPatient(p)];
    const compile = (query: string) =>
      new SearchQuery(parseSearch(reg, 'Observation', new URLSearchParams(query), { strict: false, baseUrl: 'http://x/fhir', now }), new CompileScope('http://x/fhir', now, undefined, partitions));
    expect(compile('patient=a&code=x').prepared).toBe(true);
    expect(compile('patient=a&performer:Practitioner.name=x').prepared).toBe(false);
    expect(compile('code=x').prepared).toBe(false);
    expect(compile('patient=a,b&code=x').prepared).toBe(false);
  });
});

import fc from 'fast-check';
import type { AccessScope } from '../../src/access/access-scope';
import type { FhirRequestContext } from '../../src/fhir/fhir-context';
import { FhirHooks, type ReadEvent } from '../../src/fhir/hooks/fhir-hooks';
import { getSearchParameterRegistry } from '../../src/fhir/search/registry/search-parameter-registry';
import { SearchService } from '../../src/fhir/search/search.service';
import { startTestServer, TestServer } from '../support/test-app';
import { load, type R, runId, TAG_SYSTEM } from './search-fixtures';

/**
 * Access is compiled into every query (STYLE.md): with a scope that hides some resources, no
 * match, total, page, include, chain or `_has` may reveal them. The engine is driven directly
 * with a fake AccessScope; the audit hook must get exactly what was returned.
 */
describe('search: access scope and audit', () => {
  let s: TestServer;
  let service: SearchService;
  const events: ReadEvent[] = [];
  const run = runId();
  const rid = (n: string) => `${run}-${n}`;
  // Visible: patient va, its observations vo1 vo2, practitioner dr. Hidden: patient ha, its observation ho, and hp.
  const visible = new Set(['va', 'vo1', 'vo2', 'dr', 'vorg'].map(rid));

  /** Sees only the resources whose id is in `visible`. */
  const scope: AccessScope = {
    kind: 'test',
    predicate: (alias, bind) => `${alias}.id = ANY(${bind([...visible])}::text[])`,
    canSee: async (r) => visible.has(r.id),
    assertWritable: async () => undefined,
  };
  const ctx = (): FhirRequestContext => ({ requestId: 'test', baseUrl: 'http://test/fhir', accessScope: scope });
  const ask = async (type: string | undefined, query: string): Promise<R> => {
    const res = await service.search(ctx(), type, new URLSearchParams(`${query}&_tag=${encodeURIComponent(`${TAG_SYSTEM}|${run}`)}`));
    expect(res.status).toBe(200);
    return JSON.parse(res.body as string);
  };
  const ids = (b: R, mode?: string) => (b.entry ?? []).filter((e: R) => !mode || e.search.mode === mode).map((e: R) => e.resource.id).sort();

  beforeAll(async () => {
    s = await startTestServer();
    const hooks = new FhirHooks();
    hooks.onRead(async (e) => {
      events.push(e);
    });
    service = new SearchService(s.app.db.database, getSearchParameterRegistry(), hooks);
    const obs = (name: string, patient: string, code: string) => ({
      resourceType: 'Observation',
      id: rid(name),
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code }] },
      subject: { reference: `Patient/${rid(patient)}` },
      performer: [{ reference: `Practitioner/${rid('dr')}` }],
    });
    await load(s, run, [
      { resourceType: 'Organization', id: rid('vorg'), name: 'Видимая' },
      { resourceType: 'Practitioner', id: rid('dr'), name: [{ family: 'Врачев' }] },
      { resourceType: 'Patient', id: rid('va'), name: [{ family: 'Видимов' }], generalPractitioner: [{ reference: `Practitioner/${rid('dr')}` }], managingOrganization: { reference: `Organization/${rid('vorg')}` } },
      { resourceType: 'Patient', id: rid('ha'), name: [{ family: 'Скрытов' }], generalPractitioner: [{ reference: `Practitioner/${rid('dr')}` }] },
      { resourceType: 'Patient', id: rid('hp'), name: [{ family: 'Скрытова' }] },
      obs('vo1', 'va', '1111-1'),
      obs('vo2', 'va', '2222-2'),
      obs('ho', 'ha', '1111-1'),
      { ...obs('ho2', 'hp', '3333-3'), subject: { reference: `Patient/${rid('va')}` } },
    ]);
  });
  afterAll(async () => {
    await s.close();
  });

  it('matches and totals count only what the caller may see', async () => {
    expect(ids(await ask('Patient', ''))).toEqual([rid('va')]);
    expect((await ask('Patient', '_total=accurate&_count=1')).total).toBe(1);
    expect((await ask('Patient', '_summary=count')).total).toBe(1);
    expect((await ask('Observation', 'code=1111-1&_summary=count')).total).toBe(1);
    expect(ids(await ask('Observation', 'code=1111-1,3333-3'))).toEqual([rid('vo1')]);
  });

  it('pages never show hidden rows or empty gaps', async () => {
    const first = await ask('Observation', '_count=1');
    expect(ids(first)).toEqual([rid('vo1')]);
    const next = first.link.find((l: R) => l.relation === 'next');
    const page2 = await service.search(ctx(), 'Observation', new URL(next.url).searchParams);
    const body = JSON.parse(page2.body as string);
    expect(ids(body)).toEqual([rid('vo2')]);
    expect(body.link.find((l: R) => l.relation === 'next')).toBeUndefined();
  });

  it('includes and reverse includes only visible resources', async () => {
    const inc = await ask('Observation', `_id=${rid('vo1')}&_include=*`);
    expect(ids(inc, 'include')).toEqual([rid('dr'), rid('va')]);
    const rev = await ask('Practitioner', `_id=${rid('dr')}&_revinclude=Patient:general-practitioner&_revinclude=Observation:performer`);
    expect(ids(rev, 'include')).toEqual([rid('va'), rid('vo1'), rid('vo2')]);
  });

  it('chains and _has do not reach through hidden resources', async () => {
    expect(ids(await ask('Observation', 'subject:Patient.name=скрыт'))).toEqual([]);
    expect(ids(await ask('Practitioner', '_has:Patient:general-practitioner:name=скрыт'))).toEqual([]);
    expect(ids(await ask('Practitioner', '_has:Patient:general-practitioner:name=видим'))).toEqual([rid('dr')]);
    expect(ids(await ask('Patient', '_has:Observation:subject:code=3333-3'))).toEqual([]);
  });

  it('tells the audit hook exactly which resources were returned', async () => {
    events.length = 0;
    const b = await ask('Observation', `_id=${rid('vo1')}&_include=Observation:patient`);
    expect(events).toHaveLength(1);
    const e = events[0];
    expect(e.interaction).toBe('search-type');
    expect(e.resourceType).toBe('Observation');
    expect(e.references).toEqual([`Observation/${rid('vo1')}`, `Patient/${rid('va')}`]);
    const rids = await s.sql.query(`SELECT rid::text AS rid FROM resource WHERE id = ANY($1) ORDER BY array_position($1, id)`, [[rid('vo1'), rid('va')]]);
    expect(e.rids).toEqual(rids.rows.map((r) => r.rid));
    expect(e.query).toContain(`_id=${rid('vo1')}`);
    expect(b.entry).toHaveLength(2);
  });

  it('no random query returns a resource the caller may not see (property)', async () => {
    const names = ['name', 'family', 'code', 'subject', 'patient', '_id', 'general-practitioner', 'performer', '_has:Observation:subject:code', 'subject:Patient.name', '_include', '_revinclude', '_sort'];
    const values = [rid('va'), rid('ha'), rid('hp'), `Patient/${rid('ha')}`, 'скрыт', 'видим', '1111-1', '3333-3', 'Observation:patient', 'Patient:general-practitioner', '*', 'Observation:subject', '-_id'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('Patient', 'Observation', 'Practitioner'),
        fc.array(fc.tuple(fc.constantFrom(...names), fc.constantFrom(...values)), { maxLength: 3 }),
        async (type, pairs) => {
          const q = new URLSearchParams(pairs);
          q.append('_tag', `${TAG_SYSTEM}|${run}`);
          let res;
          try {
            res = await service.search(ctx(), type, q);
          } catch (e) {
            expect((e as { status?: number }).status).toBe(400);
            return;
          }
          const returned = (JSON.parse(res.body as string).entry ?? []).filter((x: R) => x.search.mode !== 'outcome').map((x: R) => x.resource.id);
          for (const id of returned) expect(visible.has(id)).toBe(true);
        },
      ),
      { numRuns: 150, seed: 4242 },
    );
  });
});

import type { Resource } from '@medplum/fhirtypes';
import { seedPopulation } from '../../src/cli/seed';
import { FhirHooks } from '../../src/fhir/hooks/fhir-hooks';
import { SearchParameterRegistry } from '../../src/fhir/search/registry/search-parameter-registry';
import { populationModel, populationPatientId } from '../../src/seed/population';
import { referencesIn } from '../../src/seed/reference-walk';
import { startTestServer, TestServer } from '../support/test-app';
import { tokenFor } from '../support/tokens';

const SEED = 4711;
const DIRECTORY_TYPES = new Set(['Practitioner', 'Organization', 'Location']);

interface Bundle {
  resourceType: string;
  type: string;
  link?: { relation: string; url: string }[];
  entry?: { fullUrl: string; resource: Resource & { id: string }; search: { mode: string } }[];
}

/**
 * Patient/$everything (FHIR R4 patient-operation-everything) on a generated heavy patient: the
 * union of all pages must be exactly the compartment plus the Practitioners, Organizations and
 * Locations it references, with no repeats and no gaps, whatever `_count`, `_type` or `_since`,
 * and while other clients write between page fetches.
 */
describe('Patient/$everything', () => {
  let s: TestServer;
  const model = populationModel({ seed: SEED });
  const heavy = populationPatientId(SEED, 0);
  const other = populationPatientId(SEED, 1);
  const third = populationPatientId(SEED, 2);
  const key = (r: { resourceType: string; id?: string }) => `${r.resourceType}/${r.id}`;

  /** What the generator put in the patient's compartment, and the directory resources it references. */
  function expectedFor(n: number): string[] {
    const batch = model.patient(n);
    const directory = new Set(model.directory.map(key));
    const refs = new Set<string>();
    for (const r of batch) for (const ref of referencesIn(r)) if (DIRECTORY_TYPES.has(ref.split('/')[0]) && directory.has(ref)) refs.add(ref);
    return [...batch.map(key), ...refs].sort();
  }

  beforeAll(async () => {
    s = await startTestServer();
    const nest = s.app.app;
    await seedPopulation(
      { db: s.app.db.database, registry: nest.get(SearchParameterRegistry), hooks: nest.get(FhirHooks) },
      { patients: 3, seed: SEED, connections: 2, batchSize: 400 },
    );
  });
  afterAll(async () => {
    await s.close();
  });

  async function fetchAll(firstUrl: string, between?: (page: number) => Promise<void>, agent = s.api): Promise<{ keys: string[]; pages: Bundle[] }> {
    const pages: Bundle[] = [];
    let url: string | undefined = firstUrl;
    while (url) {
      const res = await agent.get(url.replace(s.url, ''));
      expect(res.status).toBe(200);
      const b = JSON.parse(res.text) as Bundle;
      expect(b.resourceType).toBe('Bundle');
      expect(b.type).toBe('searchset');
      pages.push(b);
      if (pages.length > 200) throw new Error('paging does not end');
      url = b.link?.find((l) => l.relation === 'next')?.url;
      if (url && between) await between(pages.length);
    }
    return { keys: pages.flatMap((b) => (b.entry ?? []).map((e) => key(e.resource))), pages };
  }

  it('pages through the whole compartment and its directory references, each exactly once', async () => {
    const expected = expectedFor(0);
    expect(expected.length).toBeGreaterThan(300);
    expect(expected.filter((k) => k.startsWith('Practitioner/')).length).toBeGreaterThan(0);
    expect(expected.filter((k) => k.startsWith('Organization/')).length).toBeGreaterThan(0);
    const { keys, pages } = await fetchAll(`/fhir/Patient/${heavy}/$everything?_count=50`);
    expect(keys.length).toBe(new Set(keys).size);
    expect([...keys].sort()).toEqual(expected);
    expect(pages.length).toBe(Math.ceil(expected.length / 50));
    for (const b of pages.slice(0, -1)) expect(b.entry).toHaveLength(50);
    for (const b of pages) {
      for (const e of b.entry ?? []) {
        expect(e.fullUrl).toBe(`${s.base}/${key(e.resource)}`);
        expect(e.search.mode).toBe(DIRECTORY_TYPES.has(e.resource.resourceType) ? 'include' : 'match');
      }
    }
    expect(pages[0].link?.find((l) => l.relation === 'self')?.url).toBe(`${s.base}/Patient/${heavy}/$everything?_count=50`);
  });

  it('serves the stored JSON text of each resource, as a read does', async () => {
    const res = await s.api.get(`/fhir/Patient/${heavy}/$everything?_count=1000`);
    const b = JSON.parse(res.text) as Bundle;
    expect(b.link?.some((l) => l.relation === 'next')).toBe(false);
    expect(b.entry).toHaveLength(expectedFor(0).length);
    const pick = b.entry!.filter((e) => ['Patient', 'Observation', 'Practitioner'].includes(e.resource.resourceType)).slice(0, 3);
    for (const e of pick) {
      const read = await s.api.get(`/fhir/${key(e.resource)}`);
      expect(res.text).toContain(`"resource":${read.text}`);
    }
  });

  it('uses the default page size of 100 and never more than 1000', async () => {
    const first = JSON.parse((await s.api.get(`/fhir/Patient/${heavy}/$everything`)).text) as Bundle;
    expect(first.entry).toHaveLength(100);
    expect(first.link?.find((l) => l.relation === 'next')?.url).toMatch(/_count=100&_cursor=\d+$/);
    const big = JSON.parse((await s.api.get(`/fhir/Patient/${heavy}/$everything?_count=5000`)).text) as Bundle;
    expect(big.entry).toHaveLength(expectedFor(0).length);
  });

  it('narrows to _type, across compartment and directory types, with the same paging', async () => {
    const wanted = new Set(['Observation', 'Practitioner', 'Organization']);
    const expected = expectedFor(0).filter((k) => wanted.has(k.split('/')[0]));
    const { keys } = await fetchAll(`/fhir/Patient/${heavy}/$everything?_type=Observation,Practitioner&_type=Organization&_count=37`);
    expect(keys.length).toBe(new Set(keys).size);
    expect([...keys].sort()).toEqual(expected);
    const onlyDirectory = await fetchAll(`/fhir/Patient/${heavy}/$everything?_type=Location`);
    expect([...onlyDirectory.keys].sort()).toEqual(expectedFor(0).filter((k) => k.startsWith('Location/')));
    const onlyPatient = await fetchAll(`/fhir/Patient/${heavy}/$everything?_type=Patient`);
    expect(onlyPatient.keys).toEqual([`Patient/${heavy}`]);
  });

  it('keeps to the patient: another patient’s resources never appear', async () => {
    const { keys } = await fetchAll(`/fhir/Patient/${other}/$everything?_count=10`);
    expect([...keys].sort()).toEqual(expectedFor(1));
    expect(keys.some((k) => k.includes(`${heavy}-`))).toBe(false);
  });

  it('returns with _since only what changed at or after it', async () => {
    const batch = model.patient(2);
    const since = new Date(Date.now() + 5).toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const changed = [batch[0], batch.find((r) => r.resourceType === 'Observation')!, batch.find((r) => r.resourceType === 'Encounter')!];
    for (const r of changed) {
      const current = JSON.parse((await s.api.get(`/fhir/${key(r)}`)).text);
      const put = await s.api.put(`/fhir/${key(r)}`).set('Content-Type', 'application/fhir+json').send(JSON.stringify(current));
      expect(put.status).toBe(200);
    }
    const { keys } = await fetchAll(`/fhir/Patient/${third}/$everything?_since=${encodeURIComponent(since)}&_count=2`);
    expect([...keys].sort()).toEqual(changed.map(key).sort());
    const before = await fetchAll(`/fhir/Patient/${third}/$everything?_since=2000-01-01T00:00:00Z`);
    expect([...before.keys].sort()).toEqual(expectedFor(2));
  });

  it('visits every resource exactly once while other clients write between page fetches', async () => {
    const expected = expectedFor(0);
    const original = new Set(expected);
    const created: string[] = [];
    const observations = expected.filter((k) => k.startsWith('Observation/'));
    const touch = async (k: string) => {
      const current = JSON.parse((await s.api.get(`/fhir/${k}`)).text);
      const res = await s.api.put(`/fhir/${k}`).set('Content-Type', 'application/fhir+json').send(JSON.stringify({ ...current, status: 'amended' }));
      expect(res.status).toBe(200);
    };
    const post = async (patient: string) => {
      const obs = {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: `Patient/${patient}` },
        effectiveDateTime: '2024-05-01T10:00:00Z',
        valueQuantity: { value: 70, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
      };
      const res = await s.api.post('/fhir/Observation').set('Content-Type', 'application/fhir+json').send(JSON.stringify(obs));
      expect(res.status).toBe(201);
      return `Observation/${JSON.parse(res.text).id}`;
    };
    const { keys } = await fetchAll(`/fhir/Patient/${heavy}/$everything?_count=40`, async (page) => {
      // Updates on both sides of the cursor, a new resource for this patient, one for another.
      await touch(observations[page % observations.length]);
      await touch(observations[observations.length - 1 - page]);
      created.push(await post(heavy));
      await post(other);
    });
    expect(keys.length).toBe(new Set(keys).size);
    for (const k of original) expect(keys).toContain(k);
    const extra = keys.filter((k) => !original.has(k));
    for (const k of extra) expect(created).toContain(k);
  });

  it('answers 404 for an unknown Patient and for one the caller may not see', async () => {
    const unknown = await s.api.get('/fhir/Patient/no-such-patient/$everything');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text).resourceType).toBe('OperationOutcome');
    const asOther = s.as(`Bearer ${await tokenFor({ roles: ['patient'], fhirUser: `Patient/${other}` })}`);
    const hidden = await asOther.get(`/fhir/Patient/${heavy}/$everything`);
    expect(hidden.status).toBe(404);
    const own = await fetchAll(`/fhir/Patient/${other}/$everything?_count=1000`, undefined, asOther);
    // The patient sees their own compartment and the directory resources it references.
    expect(own.keys.filter((k) => original1().has(k)).sort()).toEqual(expectedFor(1));
  });

  function original1(): Set<string> {
    return new Set(expectedFor(1));
  }

  it('compiles a clinician’s reach into the query: their patients’ record in full, others 404', async () => {
    const patient = model.patient(1)[0] as { generalPractitioner?: { reference: string }[] };
    const gp = patient.generalPractitioner![0].reference;
    const clinician = s.as(`Bearer ${await tokenFor({ roles: ['clinician'], fhirUser: gp })}`);
    const mine = await fetchAll(`/fhir/Patient/${other}/$everything?_count=1000`, undefined, clinician);
    expect(mine.keys.filter((k) => original1().has(k)).sort()).toEqual(expectedFor(1));
    const attached = await s.sql.query<{ target: string }>('SELECT target FROM patient_attachment WHERE patient_id = $1', [heavy]);
    const reach = new Set(attached.rows.map((r) => r.target));
    const stranger = model.directory.find(
      (r) => r.resourceType === 'PractitionerRole' && !reach.has((r as { organization?: { reference: string } }).organization!.reference),
    ) as { practitioner?: { reference: string } } | undefined;
    expect(stranger).toBeDefined();
    const outsider = s.as(`Bearer ${await tokenFor({ roles: ['clinician'], fhirUser: stranger!.practitioner!.reference })}`);
    expect((await outsider.get(`/fhir/Patient/${heavy}/$everything`)).status).toBe(404);
  });

  it('answers 400 for malformed parameters', async () => {
    for (const q of ['_count=0', '_count=-1', '_count=abc', '_type=Nonsense', '_since=yesterday', '_cursor=abc', `_cursor=${'9'.repeat(30)}`]) {
      const res = await s.api.get(`/fhir/Patient/${heavy}/$everything?${q}`);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
      expect(JSON.parse(res.text).resourceType).toBe('OperationOutcome');
    }
    const strict = await s.api.get(`/fhir/Patient/${heavy}/$everything?start=2020`).set('Prefer', 'handling=strict');
    expect(strict.status).toBe(400);
    const lenient = await s.api.get(`/fhir/Patient/${heavy}/$everything?start=2020&_count=1`);
    expect(lenient.status).toBe(200);
  });
});

describe("the server's database sessions", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it('never JIT-compile (a clinician $everything over the partitions compiled 2.6 s for a 7 ms query); the generic pool keeps generic plans', async () => {
    const db = s.app.db.database;
    // Every connection of the pool: hold several at once so more than one is asked.
    const held = await Promise.all([0, 1, 2].map(() => db.pool.connect()));
    try {
      for (const c of held) expect((await c.query('SHOW jit')).rows[0].jit).toBe('off');
    } finally {
      held.forEach((c) => c.release());
    }
    expect((await db.generic().query('SHOW jit')).rows[0].jit).toBe('off');
    expect((await db.generic().query('SHOW plan_cache_mode')).rows[0].plan_cache_mode).toBe('force_generic_plan');
  });
});

import { startTestServer, TestServer } from '../support/test-app';
import { expectOutcome, load, type R, runId, search, TAG_SYSTEM } from './search-fixtures';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

/** Result parameters, paging and includes (R4 search.html#return). */
describe('search: sort, paging, totals, subsetting, includes', () => {
  let s: TestServer;
  const run = runId();
  const tag = `_tag=${encodeURIComponent(`${TAG_SYSTEM}|${run}`)}`;
  const rel = (b: R, relation: string): string | undefined => b.link?.find((l: R) => l.relation === relation)?.url;
  const path = (url: string) => url.replace(s.url, '');
  const entryIds = (b: R, mode = 'match') => (b.entry ?? []).filter((e: R) => e.search.mode === mode).map((e: R) => e.resource.id as string);
  const families = ['Абрамов', 'Борисова', 'Васильев', 'Григорьева', 'Дмитриев', 'Егорова', 'Жуков', 'Зайцева', 'Ильин', 'Комарова', 'Лебедев', 'Морозова'];

  beforeAll(async () => {
    s = await startTestServer();
    const patients = families.map((family, i) => ({
      resourceType: 'Patient',
      id: `${run}-p${String(i).padStart(2, '0')}`,
      name: [{ family, given: ['Тест'] }],
      gender: i % 2 === 0 ? 'male' : 'female',
      // Two without a birth date (they sort last either way), the rest in a shuffled order.
      ...(i === 3 || i === 8 ? {} : { birthDate: `19${50 + ((i * 7) % 12)}-01-0${1 + (i % 5)}` }),
      communication: [{ language: { text: 'русский' } }],
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Тест</div>' },
      generalPractitioner: [{ reference: `Practitioner/${run}-dr${i % 2}` }],
    }));
    await load(s, run, [
      { resourceType: 'Organization', id: `${run}-org`, name: 'Поликлиника' },
      { resourceType: 'Practitioner', id: `${run}-dr0`, name: [{ family: 'Первый' }] },
      { resourceType: 'Practitioner', id: `${run}-dr1`, name: [{ family: 'Второй' }] },
      { resourceType: 'PractitionerRole', id: `${run}-role0`, practitioner: { reference: `Practitioner/${run}-dr0` }, organization: { reference: `Organization/${run}-org` } },
      ...patients,
      ...[0, 1, 2].map((i) => ({
        resourceType: 'Observation',
        id: `${run}-o${i}`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: `Patient/${run}-p00` },
        performer: i === 0 ? [{ reference: `Practitioner/${run}-dr1` }] : undefined,
      })),
    ]);
  });
  afterAll(async () => {
    await s.close();
  });

  describe('_sort', () => {
    const sorted = async (sort: string) => entryIds((await search(s, `/fhir/Patient?${tag}&_sort=${sort}&_count=100`)).body);
    const byIndex = (...i: number[]) => i.map((n) => `${run}-p${String(n).padStart(2, '0')}`);

    it('sorts by a string parameter, ascending and descending', async () => {
      expect(await sorted('family')).toEqual(byIndex(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
      expect(await sorted('-family')).toEqual(byIndex(11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    });

    it('sorts by a date with missing values last, in both directions', async () => {
      // birth years 1950 + (i*7 % 12): i=0:50 1:57 2:52 4:54 5:61 6:56 7:51 9:53 10:60 11:55; 3 and 8 have none.
      // Ties (the two without a value) fall back to rid, in the direction of the last key; rid order is
      // creation order only within a partition (partition-key.ts), so it is read from the rows.
      const rids = await s.sql.query("SELECT id FROM resource WHERE resource_type = 'Patient' AND id = ANY($1) ORDER BY rid", [byIndex(3, 8)]);
      const [lo, hi] = rids.rows.map((r) => r.id as string);
      expect(await sorted('birthdate')).toEqual([...byIndex(0, 7, 2, 9, 4, 11, 6, 1, 10, 5), lo, hi]);
      expect(await sorted('-birthdate')).toEqual([...byIndex(5, 10, 1, 6, 11, 4, 9, 2, 7, 0), hi, lo]);
    });

    it('sorts by several keys', async () => {
      expect(await sorted('gender,-family')).toEqual(byIndex(11, 9, 7, 5, 3, 1, 10, 8, 6, 4, 2, 0));
      expect(await sorted('-_id')).toEqual(byIndex(11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    });

    it('refuses an unknown sort key (400)', async () => {
      expectOutcome(await search(s, '/fhir/Patient?_sort=nonsense'), 400);
      expectOutcome(await search(s, '/fhir/Patient?_sort=a,b,c,d,e,f'), 400);
    });
  });

  describe('paging', () => {
    async function walk(first: string, direction: 'next' | 'previous' = 'next'): Promise<{ pages: string[][]; last: R }> {
      const pages: string[][] = [];
      let url: string | undefined = first;
      let last: R = {};
      for (let guard = 0; url && guard < 50; guard++) {
        const res = await search(s, url);
        expect(res.status).toBe(200);
        last = res.body;
        pages.push(entryIds(res.body));
        const next = rel(res.body, direction);
        url = next ? path(next) : undefined;
      }
      return { pages, last };
    }

    it.each(['', '&_sort=family', '&_sort=-birthdate', '&_sort=-_lastUpdated', '&_sort=gender,birthdate'])(
      'visits every match exactly once, forwards and back (%s)',
      async (sort) => {
        const all = entryIds((await search(s, `/fhir/Patient?${tag}${sort}&_count=100`)).body);
        expect(all).toHaveLength(12);
        const { pages, last } = await walk(`/fhir/Patient?${tag}${sort}&_count=5`);
        expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
        expect(pages.flat()).toEqual(all);
        const back = await walk(path(rel(last, 'self')!), 'previous');
        expect(back.pages.reverse().flat()).toEqual(all);
      },
    );

    it('stays exact while other clients write: updates keep their place, deletes vanish', async () => {
      const tagOf = `${TAG_SYSTEM}|${run}-w`;
      const docs = Array.from({ length: 9 }, (_, i) => ({ resourceType: 'Organization', id: `${run}-w${i}`, name: `Орг ${i}` }));
      await load(s, `${run}-w`, docs);
      // The default order is rid order: creation order within a partition, partitions in turn (partition-key.ts).
      const order = entryIds((await search(s, `/fhir/Organization?_tag=${encodeURIComponent(tagOf)}&_count=100`)).body);
      expect([...order].sort()).toEqual(docs.map((d) => d.id).sort());
      const first = await search(s, `/fhir/Organization?_tag=${encodeURIComponent(tagOf)}&_count=3`);
      const seen = entryIds(first.body);
      expect(seen).toEqual(order.slice(0, 3));
      // Between pages: update one already seen and one not yet seen, delete one not yet seen
      // (chosen by position in the server's order, not by name).
      const doc = (id: string) => docs.find((d) => d.id === id)!;
      const update = (id: string) =>
        s.api.put(`/fhir/Organization/${id}`).set('Content-Type', 'application/fhir+json').send(JSON.stringify({ ...doc(id), meta: { tag: [{ system: TAG_SYSTEM, code: `${run}-w` }] }, name: `${doc(id).name} (изм.)` }));
      expect((await update(order[0])).status).toBe(200);
      expect((await update(order[7])).status).toBe(200);
      expect((await s.api.delete(`/fhir/Organization/${order[5]}`)).status).toBe(200);
      let url: string | undefined = path(rel(first.body, 'next')!);
      while (url) {
        const page = await search(s, url);
        seen.push(...entryIds(page.body));
        const next = rel(page.body, 'next');
        url = next ? path(next) : undefined;
      }
      expect(seen).toEqual(order.filter((id: string) => id !== order[5]));
    });

    it('links self always, next and previous only where there is more', async () => {
      const one = await search(s, `/fhir/Patient?${tag}&_count=100`);
      expect(rel(one.body, 'self')).toBe(`${s.base}/Patient?${tag}&_count=100`);
      expect(rel(one.body, 'next')).toBeUndefined();
      expect(rel(one.body, 'previous')).toBeUndefined();
      const p1 = await search(s, `/fhir/Patient?${tag}&_count=10`);
      expect(rel(p1.body, 'previous')).toBeUndefined();
      const p2 = await search(s, path(rel(p1.body, 'next')!));
      expect(entryIds(p2.body)).toHaveLength(2);
      expect(rel(p2.body, 'next')).toBeUndefined();
      expect(rel(p2.body, 'previous')).toContain('_cursor=');
      expect(rel(p2.body, 'first')).toBe(`${s.base}/Patient?${tag}&_count=10`);
    });

    it('refuses a forged, broken or foreign cursor (400)', async () => {
      const p1 = await search(s, `/fhir/Patient?${tag}&_count=5`);
      const next = rel(p1.body, 'next')!;
      const cursor = new URL(next).searchParams.get('_cursor')!;
      expectOutcome(await search(s, `/fhir/Patient?${tag}&_count=5&_cursor=${cursor}x`), 400);
      expectOutcome(await search(s, `/fhir/Patient?${tag}&_count=5&_cursor=%27%3B%20DROP%20TABLE%20resource`), 400);
      expectOutcome(await search(s, `/fhir/Patient?gender=male&_count=5&_cursor=${cursor}`), 400);
      const forged = Buffer.from(JSON.stringify([1, 'n', 'x', [], '1'])).toString('base64url');
      expectOutcome(await search(s, `/fhir/Patient?${tag}&_count=5&_cursor=${forged}`), 400);
      // The same search with another _count may go on from the cursor.
      expect((await search(s, `/fhir/Patient?${tag}&_count=7&_cursor=${cursor}`)).status).toBe(200);
    });
  });

  describe('_count and _total', () => {
    it('defaults to 20, caps at 1000, allows 0 and refuses a negative or non-number', async () => {
      const p = await search(s, `/fhir/Patient?${tag}&_count=100000`);
      expect(p.status).toBe(200);
      expect(rel(p.body, 'self')).toContain('_count=100000');
      expect(entryIds(p.body)).toHaveLength(12);
      const zero = await search(s, `/fhir/Patient?${tag}&_count=0`);
      expect(zero.body.entry).toBeUndefined();
      expect(zero.body.total).toBe(12);
      expectOutcome(await search(s, `/fhir/Patient?_count=-1`), 400);
      expectOutcome(await search(s, `/fhir/Patient?_count=1.5`), 400);
    });

    it('gives Bundle.total when free, accurate or estimated on request, and never for _total=none', async () => {
      expect((await search(s, `/fhir/Patient?${tag}`)).body.total).toBe(12);
      expect((await search(s, `/fhir/Patient?${tag}&_count=5`)).body.total).toBeUndefined();
      expect((await search(s, `/fhir/Patient?${tag}&_count=5&_total=accurate`)).body.total).toBe(12);
      expect((await search(s, `/fhir/Patient?${tag}&_total=none`)).body.total).toBeUndefined();
      const estimate = (await search(s, `/fhir/Patient?${tag}&_count=5&_total=estimate`)).body.total;
      expect(Number.isInteger(estimate) && estimate >= 0).toBe(true);
      expectOutcome(await search(s, `/fhir/Patient?_total=maybe`), 400);
    });

    it('_summary=count answers the total alone', async () => {
      const res = await search(s, `/fhir/Patient?${tag}&gender=male&_summary=count`);
      expect(res.body).toEqual({ resourceType: 'Bundle', type: 'searchset', total: 6, link: [{ relation: 'self', url: `${s.base}/Patient?${tag}&gender=male&_summary=count` }] });
    });
  });

  describe('_elements and _summary', () => {
    it('_elements keeps the named elements, id and meta, and tags the resource SUBSETTED', async () => {
      const res = await search(s, `/fhir/Patient?_id=${run}-p00&_elements=birthDate,gender`);
      const r = res.body.entry[0].resource;
      expect(Object.keys(r).sort()).toEqual(['birthDate', 'gender', 'id', 'meta', 'resourceType']);
      expect(r.meta.tag).toContainEqual(SUBSETTED);
      expect(r.meta.tag).toContainEqual({ system: TAG_SYSTEM, code: run });
    });

    it('_summary=true keeps the summary elements only; data drops the text; text keeps it', async () => {
      const summary = (await search(s, `/fhir/Patient?_id=${run}-p00&_summary=true`)).body.entry[0].resource;
      expect(Object.keys(summary).sort()).toEqual(['birthDate', 'gender', 'id', 'meta', 'name', 'resourceType']);
      expect(summary.meta.tag).toContainEqual(SUBSETTED);
      const data = (await search(s, `/fhir/Patient?_id=${run}-p00&_summary=data`)).body.entry[0].resource;
      expect(data.text).toBeUndefined();
      expect(data.communication).toBeDefined();
      const text = (await search(s, `/fhir/Patient?_id=${run}-p00&_summary=text`)).body.entry[0].resource;
      expect(Object.keys(text).sort()).toEqual(['id', 'meta', 'resourceType', 'text']);
      const whole = (await search(s, `/fhir/Patient?_id=${run}-p00`)).body.entry[0].resource;
      expect(whole.meta.tag).not.toContainEqual(SUBSETTED);
      expectOutcome(await search(s, `/fhir/Patient?_summary=maybe`), 400);
    });
  });

  describe('_include and _revinclude', () => {
    const modes = (b: R) => (b.entry ?? []).filter((e: R) => e.search.mode !== 'outcome').map((e: R) => `${e.search.mode}:${e.resource.resourceType}/${e.resource.id.replace(`${run}-`, '')}`).sort();

    it('includes the targets of a reference parameter', async () => {
      const b = (await search(s, `/fhir/Observation?_id=${run}-o0&_include=Observation:patient`)).body;
      expect(modes(b)).toEqual(['include:Patient/p00', 'match:Observation/o0']);
    });

    it('includes through every reference with *, and by target type', async () => {
      expect(modes((await search(s, `/fhir/Observation?_id=${run}-o0&_include=*`)).body)).toEqual(['include:Patient/p00', 'include:Practitioner/dr1', 'match:Observation/o0']);
      expect(modes((await search(s, `/fhir/Observation?_id=${run}-o0&_include=Observation:performer:Practitioner`)).body)).toEqual(['include:Practitioner/dr1', 'match:Observation/o0']);
    });

    it('reverse-includes the resources that refer to the matches', async () => {
      const b = (await search(s, `/fhir/Patient?_id=${run}-p00&_revinclude=Observation:subject`)).body;
      expect(modes(b)).toEqual(['include:Observation/o0', 'include:Observation/o1', 'include:Observation/o2', 'match:Patient/p00']);
    });

    it(':iterate follows includes of included resources', async () => {
      const q = `/fhir/Observation?_id=${run}-o1&_include=Observation:patient&_include:iterate=Patient:general-practitioner&_revinclude:iterate=PractitionerRole:practitioner`;
      expect(modes((await search(s, q)).body)).toEqual(['include:Patient/p00', 'include:Practitioner/dr0', 'include:PractitionerRole/role0', 'match:Observation/o1']);
      const without = `/fhir/Observation?_id=${run}-o1&_include=Observation:patient&_include=Patient:general-practitioner`;
      expect(modes((await search(s, without)).body)).toEqual(['include:Patient/p00', 'match:Observation/o1']);
    });

    it('refuses malformed include values (400) and ignores unknown parameters in them', async () => {
      expectOutcome(await search(s, '/fhir/Observation?_include=patient'), 400);
      expectOutcome(await search(s, '/fhir/Observation?_include=Nothing:patient'), 400);
      expectOutcome(await search(s, '/fhir/Patient?_revinclude=*'), 400);
      const res = await search(s, `/fhir/Observation?_id=${run}-o1&_include=Observation:nonsense`);
      expect(modes(res.body)).toEqual(['match:Observation/o1']);
      expect(res.body.entry.some((e: R) => e.search.mode === 'outcome')).toBe(true);
    });
  });

  describe('other entry points', () => {
    it('POST [type]/_search takes the parameters of the URL', async () => {
      const res = await s.api.post(`/fhir/Patient/_search?${tag}&gender=female&_sort=family&_count=3`).set('Content-Type', 'application/x-www-form-urlencoded').send('');
      expect(res.status).toBe(200);
      const body = JSON.parse(res.text);
      expect(entryIds(body)).toEqual([1, 3, 5].map((i) => `${run}-p${String(i).padStart(2, '0')}`));
      expect(rel(body, 'next')).toContain(`${s.base}/Patient?`);
    });

    // Fails until the HTTP layer hands the form body to the router: Nest's FastifyAdapter parses
    // application/x-www-form-urlencoded into an object, and parseRequest keeps string bodies only.
    it('POST [type]/_search takes a form body and answers like GET', async () => {
      const res = await s.api.post('/fhir/Patient/_search').set('Content-Type', 'application/x-www-form-urlencoded').send(`${tag}&gender=female&_sort=family&_count=3`);
      expect(res.status).toBe(200);
      expect(entryIds(JSON.parse(res.text))).toEqual([1, 3, 5].map((i) => `${run}-p${String(i).padStart(2, '0')}`));
    });

    it('searches several types at the system level with _type', async () => {
      const res = await search(s, `/fhir?_type=Practitioner,Organization&${tag}&_sort=_id`);
      expect(res.status).toBe(200);
      expect(entryIds(res.body)).toEqual([`${run}-dr0`, `${run}-dr1`, `${run}-org`]);
      expect(rel(res.body, 'self')).toBe(`${s.base}?_type=Practitioner,Organization&${tag}&_sort=_id`.replace(',', '%2C'));
      expectOutcome(await search(s, '/fhir?_type=Nothing'), 400);
    });
  });
});

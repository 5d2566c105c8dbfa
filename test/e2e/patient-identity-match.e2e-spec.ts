import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { snilsFromNumber } from '../../src/seed/snils';
import { startTestServer, TestServer } from '../support/test-app';
import { tokenFor } from '../support/tokens';

/**
 * Patient/$match (FHIR R4 patient-operation-match): clinic software looks a person up before
 * creating one, in Cyrillic or in Latin letters, and gets graded candidates.
 */
const FHIR = 'application/fhir+json';
const SNILS = 'urn:oid:1.2.643.100.3';
const GRADE = 'http://hl7.org/fhir/StructureDefinition/match-grade';
const json = (res: request.Response) => JSON.parse(res.text);

/** A family name of this run only, Cyrillic and its Latin spelling (letters that map one to one). */
const LETTERS: [string, string][] = [['б', 'b'], ['в', 'v'], ['д', 'd'], ['з', 'z'], ['к', 'k'], ['л', 'l'], ['м', 'm'], ['н', 'n'], ['п', 'p'], ['р', 'r'], ['с', 's'], ['т', 't']];
function uniqueFamily(): { cyrillic: string; latin: string } {
  let cyrillic = 'Ма';
  let latin = 'Ma';
  for (let i = 0; i < 5; i++) {
    const [c, l] = LETTERS[Math.floor(Math.random() * LETTERS.length)];
    cyrillic += c + (i % 2 ? 'о' : 'а');
    latin += l + (i % 2 ? 'o' : 'a');
  }
  return { cyrillic: `${cyrillic}ов`, latin: `${latin}ov` };
}
const freshSnils = () => snilsFromNumber(900_000_000 + Math.floor(Math.random() * 99_000_000));
/** A birth date nobody else in the shared test database is likely to have. */
const rareBirthDate = () => `19${20 + Math.floor(Math.random() * 20)}-0${1 + Math.floor(Math.random() * 9)}-${10 + Math.floor(Math.random() * 18)}`;

interface MatchEntry {
  fullUrl: string;
  resource: { id: string; name: { family: string }[] };
  search: { mode: string; score: number; extension: { url: string; valueCode: string }[] };
}

describe('Patient/$match', () => {
  let s: TestServer;
  const family = uniqueFamily();
  const birthDate = rareBirthDate();
  const snils = freshSnils();
  const orgA = `org-match-a-${randomUUID().slice(0, 8)}`;
  const orgB = `org-match-b-${randomUUID().slice(0, 8)}`;
  const practitioner = `pract-match-${randomUUID().slice(0, 8)}`;
  let cyrillicId: string;
  let latinId: string;
  let namesakeId: string;

  const post = (path: string, body: unknown, agent = () => s.api) => agent().post(path).set('Content-Type', FHIR).send(JSON.stringify(body));
  const match = (patient: object, extra: object[] = [], agent?: () => request.Agent | ReturnType<TestServer['as']>) =>
    post('/fhir/Patient/$match', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: { resourceType: 'Patient', ...patient } }, ...extra] }, agent as never);
  const entries = (res: request.Response): MatchEntry[] => json(res).entry ?? [];
  const summary = (res: request.Response) =>
    entries(res).map((e) => ({ id: e.resource.id, score: e.search.score, grade: e.search.extension.find((x) => x.url === GRADE)?.valueCode }));

  beforeAll(async () => {
    s = await startTestServer();
    const put = (type: string, id: string, body: object) =>
      s.api.put(`/fhir/${type}/${id}`).set('Content-Type', FHIR).send(JSON.stringify({ resourceType: type, id, ...body }));
    expect((await put('Organization', orgA, { name: 'Поликлиника А' })).status).toBe(201);
    expect((await put('Organization', orgB, { name: 'Поликлиника Б' })).status).toBe(201);
    expect((await put('Practitioner', practitioner, { name: [{ family: 'Врачова' }] })).status).toBe(201);
    expect(
      (await put('PractitionerRole', `${practitioner}-role`, { active: true, practitioner: { reference: `Practitioner/${practitioner}` }, organization: { reference: `Organization/${orgA}` } }))
        .status,
    ).toBe(201);
    // One person, twice: in Cyrillic with SNILS at polyclinic A, in Latin letters without at B.
    const cyr = await post('/fhir/Patient', {
      resourceType: 'Patient',
      identifier: [{ system: SNILS, value: snils }],
      name: [{ family: family.cyrillic, given: ['Иван', 'Петрович'] }],
      gender: 'male',
      birthDate,
      managingOrganization: { reference: `Organization/${orgA}` },
    });
    cyrillicId = json(cyr).id;
    const lat = await post('/fhir/Patient', {
      resourceType: 'Patient',
      name: [{ family: family.latin.toUpperCase(), given: ['Ivan'] }],
      gender: 'male',
      birthDate,
      managingOrganization: { reference: `Organization/${orgB}` },
    });
    latinId = json(lat).id;
    // Same name, another person (another birth date): never a candidate worth returning.
    namesakeId = json(
      await post('/fhir/Patient', { resourceType: 'Patient', name: [{ family: family.cyrillic, given: ['Иван'] }], gender: 'male', birthDate: '2001-01-01' }),
    ).id;
  });
  afterAll(async () => {
    await s.close();
  });

  it('finds the Cyrillic record from a Latin query, and the Latin one, graded, as a searchset', async () => {
    const res = await match({ name: [{ family: family.latin, given: ['Ivan', 'Petrovich'] }], gender: 'male', birthDate });
    expect(res.status).toBe(200);
    const bundle = json(res);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 2 });
    expect(summary(res)).toEqual([
      { id: cyrillicId, score: 0.99, grade: 'probable' },
      { id: latinId, score: 0.9, grade: 'probable' },
    ]);
    expect(entries(res)[0]).toMatchObject({ fullUrl: `${s.base}/Patient/${cyrillicId}`, search: { mode: 'match' } });
  });

  it('finds the Latin record from a Cyrillic query', async () => {
    const res = await match({ name: [{ family: family.cyrillic, given: ['Иван'] }], gender: 'male', birthDate });
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    expect(summary(res).sort(byId)).toEqual(
      [
        { id: cyrillicId, score: 0.9, grade: 'probable' },
        { id: latinId, score: 0.9, grade: 'probable' },
      ].sort(byId),
    );
  });

  it('looks names up through the index in both scripts, without a birth date to bridge them', async () => {
    // Without a birth date the namesake cannot be told apart: all three are possible.
    const everyone = [cyrillicId, latinId, namesakeId].sort();
    const fromCyrillic = await match({ name: [{ family: family.cyrillic, given: ['Иван'] }], gender: 'male' });
    expect(summary(fromCyrillic).map((m) => m.id).sort()).toEqual(everyone);
    const fromLatin = await match({ name: [{ family: family.latin, given: ['Ivan'] }], gender: 'male' });
    expect(summary(fromLatin).map((m) => m.id).sort()).toEqual(everyone);
    expect(summary(fromLatin).every((m) => m.grade === 'possible' && m.score === 0.6)).toBe(true);
  });

  it('a SNILS is certain, whatever else the query says', async () => {
    const res = await match({ identifier: [{ system: SNILS, value: snils }], name: [{ family: 'Другой' }] });
    expect(summary(res)).toEqual([{ id: cyrillicId, score: 1, grade: 'certain' }]);
  });

  it('onlyCertainMatches and count narrow the answer', async () => {
    const query = { identifier: [{ system: SNILS, value: snils }], name: [{ family: family.latin, given: ['Ivan'] }], gender: 'male', birthDate };
    expect(summary(await match(query))).toEqual([
      { id: cyrillicId, score: 1, grade: 'certain' },
      { id: latinId, score: 0.9, grade: 'probable' },
    ]);
    expect(summary(await match(query, [{ name: 'onlyCertainMatches', valueBoolean: true }]))).toEqual([{ id: cyrillicId, score: 1, grade: 'certain' }]);
    expect(summary(await match(query, [{ name: 'count', valueInteger: 1 }]))).toEqual([{ id: cyrillicId, score: 1, grade: 'certain' }]);
    const uncertain = await match({ name: [{ family: family.latin }], birthDate }, [{ name: 'onlyCertainMatches', valueBoolean: true }]);
    expect(json(uncertain)).toEqual({ resourceType: 'Bundle', type: 'searchset', total: 0 });
  });

  it('meets digraph spellings (Щукина Юлия / Shchukina Yulia)', async () => {
    const day = rareBirthDate();
    const id = json(
      await post('/fhir/Patient', { resourceType: 'Patient', name: [{ family: 'Щукина', given: ['Юлия', 'Андреевна'] }], gender: 'female', birthDate: day }),
    ).id;
    const res = await match({ name: [{ family: 'Shchukina', given: ['Yulia', 'Andreyevna'] }], gender: 'female', birthDate: day });
    expect(summary(res).find((m) => m.id === id)).toEqual({ id, score: expect.any(Number), grade: 'probable' });
  });

  it("answers a clinician only with patients in their reach", async () => {
    const clinician = `Bearer ${await tokenFor({ roles: ['clinician'], fhirUser: `Practitioner/${practitioner}` })}`;
    const res = await match({ name: [{ family: family.latin, given: ['Ivan'] }], gender: 'male', birthDate }, [], () => s.as(clinician));
    expect(res.status).toBe(200);
    expect(summary(res).map((m) => m.id)).toEqual([cyrillicId]);
  });

  it('takes a bare Patient too; refuses what is not a Patient, and GET', async () => {
    const bare = await post('/fhir/Patient/$match', { resourceType: 'Patient', identifier: [{ system: SNILS, value: snils }] });
    expect(summary(bare)).toEqual([{ id: cyrillicId, score: 1, grade: 'certain' }]);
    const wrong = await post('/fhir/Patient/$match', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: { resourceType: 'Observation' } }] });
    expect(wrong.status).toBe(400);
    expect(json(wrong).resourceType).toBe('OperationOutcome');
    const badCount = await match({ birthDate }, [{ name: 'count', valueInteger: 0 }]);
    expect(badCount.status).toBe(400);
    expect((await s.api.get('/fhir/Patient/$match')).status).toBe(405);
    expect((await post('/fhir/Observation/$match', { resourceType: 'Patient' })).status).toBe(404);
  });
});

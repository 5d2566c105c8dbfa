import { startTestServer, TestServer } from '../support/test-app';
import { expectOutcome, load, matchIds, runId, search } from './search-fixtures';

/**
 * FHIR R4 search.html, parameter by parameter, against the real server and PostgreSQL. Every
 * resource carries the run's tag and every search adds `_tag=`, so the result sets are exact.
 */
describe('search: parameter types and modifiers (R4 search.html)', () => {
  let s: TestServer;
  const run = runId();
  const id = (...names: string[]) => names.map((n) => `${run}-${n}`).sort();
  const ids = (type: string, query: string) => matchIds(s, run, type, query);
  const ucum = 'http://unitsofmeasure.org';
  const loinc = 'http://loinc.org';
  const obs = (name: string, extra: Record<string, unknown>) => ({
    resourceType: 'Observation',
    id: `${run}-${name}`,
    status: 'final',
    subject: { reference: `Patient/${run}-pa` },
    ...extra,
  });

  beforeAll(async () => {
    s = await startTestServer();
    await load(s, run, [
      { resourceType: 'Organization', id: `${run}-org`, name: 'Поликлиника № 1' },
      { resourceType: 'Practitioner', id: `${run}-dr`, name: [{ family: 'Докторов', given: ['Иван'] }] },
      { resourceType: 'Group', id: `${run}-grp`, type: 'person', actual: true },
      {
        resourceType: 'Patient',
        id: `${run}-pa`,
        identifier: [{ system: 'urn:x:mrn', value: 'A1' }],
        name: [{ family: 'Ёлкина', given: ['Анна'] }],
        gender: 'female',
        birthDate: '1980-05-01',
        generalPractitioner: [{ reference: `Practitioner/${run}-dr` }],
        managingOrganization: { reference: `Organization/${run}-org` },
      },
      { resourceType: 'Patient', id: `${run}-pb`, identifier: [{ system: 'urn:x:mrn', value: 'B1' }], name: [{ family: 'Elkin', given: ['John'] }], gender: 'male', birthDate: '1975' },
      { resourceType: 'Patient', id: `${run}-pc`, identifier: [{ system: 'urn:x:other', value: 'A1' }], name: [{ family: 'Иванов-Петров', given: ['Пётр'] }], birthDate: '1990-12-31' },
      { resourceType: 'Patient', id: `${run}-pd`, name: [{ family: 'Smith', given: ['Ann Marie'] }], gender: 'unknown' },
      obs('o1', { code: { coding: [{ system: loinc, code: '8867-4', display: 'Heart rate' }] }, effectiveDateTime: '2020', valueQuantity: { value: 72, unit: '/min', system: ucum, code: '/min' } }),
      obs('o2', {
        code: { coding: [{ system: loinc, code: '85354-6' }, { system: 'http://snomed.info/sct', code: '8867-4' }] },
        effectiveDateTime: '2020-03',
        valueQuantity: { value: 120, unit: 'mm[Hg]', system: ucum, code: 'mm[Hg]' },
      }),
      obs('o3', { code: { coding: [{ code: '8867-4' }] }, effectiveDateTime: '2020-03-05', subject: { reference: `Patient/${run}-pb` }, valueQuantity: { value: 72.5, unit: 'beats/min' } }),
      obs('o4', { code: { text: 'Free text only' }, effectiveDateTime: '2020-03-05T10:00:00Z', subject: { reference: `http://other.example/fhir/Patient/${run}-pa` } }),
      obs('o5', { code: { coding: [{ system: loinc, code: '8867-4' }] }, effectivePeriod: { start: '2019-06-01', end: '2020-02-15' }, subject: { reference: `Group/${run}-grp` } }),
      obs('o6', {
        code: { coding: [{ system: loinc, code: '2339-0' }] },
        effectivePeriod: { start: '2021-06-01' },
        subject: { reference: `Patient/${run}-pc` },
        valueQuantity: { value: 5.4, unit: 'mmol/L', system: ucum, code: 'mmol/L' },
      }),
      { resourceType: 'Procedure', id: `${run}-pr1`, status: 'completed', subject: { reference: `Patient/${run}-pa` }, instantiatesUri: ['http://example.org/protocol/1'] },
      { resourceType: 'Procedure', id: `${run}-pr2`, status: 'completed', subject: { reference: `Patient/${run}-pa` }, instantiatesUri: ['http://example.org/protocol/12'] },
    ]);
  });
  afterAll(async () => {
    await s.close();
  });

  describe('token', () => {
    it.each([
      ['code=8867-4', ['o1', 'o2', 'o3', 'o5']],
      ['code=http://loinc.org|8867-4', ['o1', 'o5']],
      ['code=|8867-4', ['o3']],
      ['code=http://loinc.org|', ['o1', 'o2', 'o5', 'o6']],
      ['code:not=8867-4', ['o4', 'o6']],
      ['code:not=http://loinc.org|8867-4', ['o2', 'o3', 'o4', 'o6']],
      ['code:text=heart', ['o1']],
      ['code:text=FREE', ['o4']],
      ['code:text=text', ['o4']],
      ['code=8867-4,2339-0', ['o1', 'o2', 'o3', 'o5', 'o6']],
      ['code=8867-4&code=http://loinc.org|85354-6', ['o2']],
      ['code:missing=false', ['o1', 'o2', 'o3', 'o4', 'o5', 'o6']],
      ['status=final', ['o1', 'o2', 'o3', 'o4', 'o5', 'o6']],
      ['status:not=final', []],
      ['code=nothing-like-this', []],
    ])('Observation?%s', async (query, expected) => {
      expect(await ids('Observation', query)).toEqual(id(...expected));
    });

    it.each([
      ['identifier=urn:x:mrn|A1', ['pa']],
      ['identifier=A1', ['pa', 'pc']],
      ['identifier=urn:x:mrn|', ['pa', 'pb']],
      ['gender=female', ['pa']],
      ['gender=female,male', ['pa', 'pb']],
      ['gender:missing=true', ['pc']],
      ['gender:missing=false', ['pa', 'pb', 'pd']],
    ])('Patient?%s', async (query, expected) => {
      expect(await ids('Patient', query)).toEqual(id(...expected));
    });
  });

  describe('string: starts-with, case- and accent-insensitive; :exact; :contains', () => {
    it.each([
      ['family=ёлк', ['pa']],
      ['family=ЕЛКИНА', ['pa']],
      ['family=елкина', ['pa']],
      ['family=elk', ['pb']],
      ['family=ELKIN', ['pb']],
      ['family:exact=Ёлкина', ['pa']],
      ['family:exact=ёлкина', []],
      ['family:exact=Ёлк', []],
      ['name=анн', ['pa']],
      ['name=пет', ['pc']],
      ['name:contains=петр', ['pc']],
      ['name:contains=MARIE', ['pd']],
      ['name=marie', []],
      ['name=ann', ['pd']],
      ['name=zzz,elk', ['pb']],
      ['family=иванов-п', ['pc']],
      ['family=%25', []],
      ['family=_', []],
    ])('Patient?%s', async (query, expected) => {
      expect(await ids('Patient', query)).toEqual(id(...expected));
    });
  });

  describe('date: prefixes over implicit ranges and Periods', () => {
    // o1 2020 | o2 2020-03 | o3 2020-03-05 | o4 2020-03-05T10:00:00Z | o5 2019-06-01..2020-02-15 | o6 2021-06-01..
    it.each([
      ['date=2020', ['o1', 'o2', 'o3', 'o4']],
      ['date=eq2020-03', ['o2', 'o3', 'o4']],
      ['date=2020-03-05', ['o3', 'o4']],
      ['date=2020-03-05T10:00:00Z', ['o4']],
      ['date=2020-03-05T13:00:00%2B03:00', ['o4']],
      ['date=2020-03-05T13:00:00+03:00', ['o4']],
      ['date=ne2020-03', ['o1', 'o5', 'o6']],
      ['date=gt2020-03', ['o1', 'o6']],
      ['date=lt2020-03', ['o1', 'o5']],
      ['date=ge2020-03', ['o1', 'o2', 'o3', 'o4', 'o6']],
      ['date=le2020-03', ['o1', 'o2', 'o3', 'o4', 'o5']],
      ['date=sa2020-03', ['o6']],
      ['date=eb2020-03', ['o5']],
      ['date=ap2020-03-05', ['o1', 'o2', 'o3', 'o4', 'o5']],
      ['date=ge2020-03&date=lt2021', ['o1', 'o2', 'o3', 'o4']],
      ['date=2020-03-05,sa2021-01', ['o3', 'o4', 'o6']],
      ['date=2019,2021', []],
      ['date=ge2030', ['o6']],
      ['date=lt1900', []],
    ])('Observation?%s', async (query, expected) => {
      expect(await ids('Observation', query)).toEqual(id(...expected));
    });

    it.each([['birthdate=1975', ['pb']], ['birthdate=ge1980-05', ['pa', 'pc']], ['birthdate=lt1980', ['pb']], ['birthdate:missing=true', ['pd']]])(
      'Patient?%s',
      async (query, expected) => {
        expect(await ids('Patient', query)).toEqual(id(...expected));
      },
    );

    it.each(['date=2020-13', 'date=xx2020', 'date=yesterday', 'date=2021-02-30', 'date=ge', 'date=2020-03-05T25:00', '_lastUpdated=soon'])(
      '%s is 400',
      async (query) => {
        expectOutcome(await search(s, `/fhir/Observation?${query}`), 400);
        expectOutcome(await search(s, `/fhir/Patient?birthdate=${encodeURIComponent('Иванов')}`), 400);
      },
    );
  });

  describe('reference', () => {
    it('takes Type/id, a bare id, the :Type modifier and our absolute URL', async () => {
      expect(await ids('Observation', `subject=Patient/${run}-pa`)).toEqual(id('o1', 'o2'));
      expect(await ids('Observation', `patient=${run}-pa`)).toEqual(id('o1', 'o2'));
      expect(await ids('Observation', `subject=${run}-pa`)).toEqual(id('o1', 'o2'));
      expect(await ids('Observation', `subject:Patient=${run}-pa`)).toEqual(id('o1', 'o2'));
      expect(await ids('Observation', `subject=${encodeURIComponent(`${s.base}/Patient/${run}-pa`)}`)).toEqual(id('o1', 'o2'));
      expect(await ids('Observation', `subject:Group=${run}-grp`)).toEqual(id('o5'));
      expect(await ids('Observation', `subject=Group/${run}-grp`)).toEqual(id('o5'));
      expect(await ids('Observation', `subject:Patient=${run}-grp`)).toEqual([]);
      expect(await ids('Observation', `patient=Patient/${run}-pb,Patient/${run}-pc`)).toEqual(id('o3', 'o6'));
    });

    it('matches a reference to another server only by its URL', async () => {
      expect(await ids('Observation', `subject=${encodeURIComponent(`http://other.example/fhir/Patient/${run}-pa`)}`)).toEqual(id('o4'));
    });

    it('refuses a type modifier that is not a target type (400)', async () => {
      expectOutcome(await search(s, `/fhir/Observation?subject:Medication=1`), 400);
      expectOutcome(await search(s, `/fhir/Observation?subject:Patient=Group/${run}-grp`), 400);
    });
  });

  describe('quantity', () => {
    it.each([
      ['value-quantity=72', ['o1']],
      ['value-quantity=72.5', ['o3']],
      ['value-quantity=gt72', ['o2', 'o3']],
      ['value-quantity=le72', ['o1', 'o6']],
      ['value-quantity=ne72', ['o2', 'o3', 'o6']],
      ['value-quantity=ap120', ['o2']],
      ['value-quantity=72|http://unitsofmeasure.org|/min', ['o1']],
      ['value-quantity=72|http://unitsofmeasure.org|mm[Hg]', []],
      ['value-quantity=72.5||beats/min', ['o3']],
      ['value-quantity=lt100||mmol/L', ['o6']],
      ['value-quantity=5.4e0', ['o6']],
      ['value-quantity:missing=true', ['o4', 'o5']],
    ])('Observation?%s', async (query, expected) => {
      expect(await ids('Observation', query)).toEqual(id(...expected));
    });

    it.each(['value-quantity=abc', 'value-quantity=gt', 'value-quantity=72|mg', 'value-quantity=NaN', 'value-quantity=1e99999', 'value-quantity=zz72'])(
      '%s is 400',
      async (query) => {
        expectOutcome(await search(s, `/fhir/Observation?${query}`), 400);
      },
    );
  });

  describe('uri', () => {
    it.each([
      ['instantiates-uri=http://example.org/protocol/1', ['pr1']],
      ['instantiates-uri:below=http://example.org/protocol/1', ['pr1', 'pr2']],
      ['instantiates-uri:above=http://example.org/protocol/1/step-2', ['pr1']],
      ['instantiates-uri:missing=false', ['pr1', 'pr2']],
    ])('Procedure?%s', async (query, expected) => {
      expect(await ids('Procedure', query)).toEqual(id(...expected));
    });
  });

  describe('_id, _lastUpdated', () => {
    it('searches the resource columns', async () => {
      expect(await ids('Observation', `_id=${run}-o1,${run}-o3`)).toEqual(id('o1', 'o3'));
      expect(await ids('Observation', `_lastUpdated=gt2000-01-01`)).toEqual(id('o1', 'o2', 'o3', 'o4', 'o5', 'o6'));
      expect(await ids('Observation', `_lastUpdated=lt2000`)).toEqual([]);
      const one = (await search(s, `/fhir/Observation?_id=${run}-o2`)).body.entry[0].resource;
      expect(await ids('Observation', `_lastUpdated=${encodeURIComponent(one.meta.lastUpdated)}&code=85354-6`)).toEqual(id('o2'));
    });
  });

  describe('chains and reverse chains', () => {
    it.each([
      ['Observation', 'subject:Patient.identifier=urn:x:mrn|A1', ['o1', 'o2']],
      ['Observation', 'patient.identifier=urn:x:mrn|B1', ['o3']],
      ['Observation', 'subject.name=elk', ['o3']],
      ['Observation', 'patient.general-practitioner.name=доктор', ['o1', 'o2']],
      ['Observation', 'subject:Patient.organization.name=поликлиника', ['o1', 'o2']],
      ['Patient', 'general-practitioner.name=доктор', ['pa']],
      ['Patient', 'general-practitioner:Practitioner.name=доктор,nobody', ['pa']],
      ['Patient', '_has:Observation:patient:code=2339-0', ['pc']],
      ['Patient', '_has:Observation:patient:code=8867-4', ['pa', 'pb']],
      ['Patient', '_has:Observation:subject:value-quantity=gt100', ['pa']],
      ['Patient', '_has:Observation:patient:code=8867-4&gender=male', ['pb']],
      ['Patient', '_has:Observation:patient:code=8867-4&_has:Observation:patient:code=85354-6', ['pa']],
      ['Patient', '_has:Observation:patient:patient.identifier=urn:x:mrn|B1', ['pb']],
      ['Practitioner', '_has:Patient:general-practitioner:_has:Observation:patient:code=85354-6', ['dr']],
    ])('%s?%s', async (type, query, expected) => {
      expect(await ids(type, query)).toEqual(id(...expected));
    });

    it('refuses a chain through a parameter that is not a reference (400)', async () => {
      expectOutcome(await search(s, '/fhir/Observation?code.name=x'), 400);
    });
  });

  describe('unknown and unsupported parameters', () => {
    it('ignores them by default and says so in an OperationOutcome entry (search.mode = outcome)', async () => {
      const res = await search(s, `/fhir/Observation?_tag=${encodeURIComponent(`http://kartoteka.test/search-run|${run}`)}&nonsense=1&subject:Patient.nonsense=2&_id=${run}-o1`);
      expect(res.status).toBe(200);
      const matches = res.body.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'match');
      expect(matches.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([`${run}-o1`]);
      const outcome = res.body.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'outcome');
      expect(outcome).toHaveLength(1);
      expect(outcome[0].resource.resourceType).toBe('OperationOutcome');
      expect(outcome[0].resource.issue.map((i: { diagnostics: string }) => i.diagnostics)).toEqual([
        'Search parameter ignored (unknown or not supported): nonsense',
        'Search parameter ignored (unknown or not supported): subject.nonsense',
      ]);
      expect(res.body.link.find((l: { relation: string }) => l.relation === 'self').url).not.toContain('nonsense');
    });

    it('answers 400 with Prefer: handling=strict', async () => {
      expectOutcome(await search(s, '/fhir/Observation?nonsense=1', { Prefer: 'handling=strict' }), 400);
      expectOutcome(await search(s, '/fhir/Observation?_text=x', { Prefer: 'handling=strict' }), 400);
      const ok = await search(s, `/fhir/Observation?_id=${run}-o1`, { Prefer: 'handling=strict' });
      expect(ok.status).toBe(200);
      expect(ok.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([`${run}-o1`]);
    });

    it('refuses modifiers a type does not have (400)', async () => {
      for (const q of ['code:exact=x', 'family:not=x', 'date:missing=maybe', 'code:of-type=a|b|c', 'code:below=x']) {
        expectOutcome(await search(s, `/fhir/${q.startsWith('family') ? 'Patient' : 'Observation'}?${q}`), 400);
      }
    });
  });
});

import request from 'supertest';
import { loadProfilePackage } from '../../src/profiles/profile-package';
import { snilsFromNumber } from '../../src/seed/snils';
import { startTestServer, TestServer } from '../support/test-app';

/**
 * CONTRACT.md "Identity of patients", the profile half: fhir-profiles/ loaded at start, served
 * read-only, listed in the CapabilityStatement, enforced on write when claimed and by $validate.
 */
const FHIR = 'application/fhir+json';
const SD = 'https://kartoteka.example/fhir/StructureDefinition';
const SNILS = 'urn:oid:1.2.643.100.3';
const OMS = 'urn:oid:1.2.643.2.69.1.1.1.6.228';
const json = (res: request.Response) => JSON.parse(res.text);

/** A SNILS of this run only (the e2e database is shared by every test file). */
const freshSnils = () => snilsFromNumber(900_000_000 + Math.floor(Math.random() * 99_000_000));
const freshOms = () => `99${String(Math.floor(Math.random() * 1e14)).padStart(14, '0')}`;

describe('city profiles at work', () => {
  let s: TestServer;
  const pkg = loadProfilePackage();
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.close();
  });

  const post = (path: string, body: unknown) => s.api.post(path).set('Content-Type', FHIR).send(JSON.stringify(body));
  const cityPatient = (extra: Record<string, unknown> = {}) => ({
    resourceType: 'Patient',
    meta: { profile: [`${SD}/city-patient`] },
    identifier: [
      { system: SNILS, value: freshSnils() },
      { system: OMS, value: freshOms() },
    ],
    name: [{ family: 'Профильная', given: ['Анна', 'Сергеевна'] }],
    gender: 'female',
    birthDate: '1990-06-01',
    managingOrganization: { reference: 'Organization/polyclinic-12' },
    ...extra,
  });

  it('serves every conformance resource of the package read-only, as compiled', async () => {
    for (const r of pkg.definitions) {
      const res = await s.api.get(`/fhir/${r.resourceType}/${r.id}`);
      expect(res.status).toBe(200);
      const { meta, ...served } = json(res);
      expect(served).toEqual(r);
      expect(meta.versionId).toMatch(/^\d+$/);
    }
    const sd = json(await s.api.get('/fhir/StructureDefinition/city-patient'));
    expect(sd.snapshot.element.length).toBeGreaterThan(sd.differential.element.length);
    const put = await s.api.put('/fhir/StructureDefinition/city-patient').set('Content-Type', FHIR).send(JSON.stringify(sd));
    expect(put.status).toBe(405);
    expect(json(put).resourceType).toBe('OperationOutcome');
    expect((await s.api.delete('/fhir/NamingSystem/snils')).status).toBe(405);
  });

  it('finds them by search', async () => {
    const res = await s.api.get(`/fhir/StructureDefinition?url=${encodeURIComponent(`${SD}/city-encounter`)}`);
    expect(res.status).toBe(200);
    expect(json(res).entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['city-encounter']);
  });

  it('writes them once: a second start changes no version', async () => {
    const versions = async () =>
      (await s.sql.query(`SELECT count(*)::int AS n FROM resource_version WHERE resource_type IN ('StructureDefinition', 'NamingSystem', 'SearchParameter', 'ValueSet')`)).rows[0].n;
    const before = await versions();
    expect(before).toBeGreaterThanOrEqual(pkg.definitions.length);
    const second = await startTestServer();
    await second.close();
    expect(await versions()).toBe(before);
  });

  it('lists the profiles and the purpose-of-use SearchParameter in the CapabilityStatement', async () => {
    const cs = json(await s.api.get('/fhir/metadata'));
    const of = (type: string) => cs.rest[0].resource.find((r: { type: string }) => r.type === type);
    expect(of('Patient').supportedProfile).toEqual([`${SD}/city-patient`]);
    expect(of('Encounter').supportedProfile).toEqual([`${SD}/city-encounter`]);
    expect(of('Observation').supportedProfile).toEqual([`${SD}/city-observation`]);
    expect(of('AuditEvent').searchParam).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'purpose-of-use', type: 'token', definition: 'https://kartoteka.example/fhir/SearchParameter/auditevent-purpose-of-use' }),
      ]),
    );
    expect(of('Patient').operation.map((o: { name: string }) => o.name)).toEqual(expect.arrayContaining(['validate', 'match']));
  });

  it('accepts a resource that meets the profile it claims', async () => {
    const res = await post('/fhir/Patient', cityPatient());
    expect(res.status).toBe(201);
    expect(json(res).meta.profile).toEqual([`${SD}/city-patient`]);
  });

  it('answers 422 naming the element and the invariant when a claimed profile fails, and never the number', async () => {
    const bad = '98765432100';
    const res = await post('/fhir/Patient', cityPatient({ identifier: [{ system: SNILS, value: bad }] }));
    expect(res.status).toBe(422);
    const oo = json(res);
    expect(oo.resourceType).toBe('OperationOutcome');
    expect(oo.issue).toEqual([
      expect.objectContaining({ severity: 'error', code: 'invariant', expression: ['Patient.identifier[0]'] }),
    ]);
    expect(oo.issue[0].diagnostics).toMatch(/^Patient\.identifier\[0\]: invariant snils-checksum not met: /);
    expect(res.text).not.toContain(bad);
    const count = await s.sql.query(`SELECT count(*)::int AS n FROM sp_token WHERE param = 'identifier' AND code = $1`, [bad]);
    expect(count.rows[0].n).toBe(0);
  });

  it('answers 422 for a claimed profile this server does not know; a resource that claims nothing is not held to the profile', async () => {
    const unknown = await post('/fhir/Patient', cityPatient({ meta: { profile: ['http://example.org/fhir/StructureDefinition/other'] } }));
    expect(unknown.status).toBe(422);
    expect(json(unknown).issue).toEqual([
      {
        severity: 'error',
        code: 'processing',
        diagnostics: 'Patient.meta.profile[0]: the resource claims a profile this server does not know',
        expression: ['Patient.meta.profile[0]'],
      },
    ]);
    const unclaimed = await post('/fhir/Patient', { resourceType: 'Patient', name: [{ family: 'Безпрофильный' }] });
    expect(unclaimed.status).toBe(201);
  });

  it('holds Encounter and Observation to theirs, also inside a transaction Bundle (all or nothing)', async () => {
    const encounter = {
      resourceType: 'Encounter',
      meta: { profile: [`${SD}/city-encounter`] },
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: 'Patient/p-1' },
      period: { start: '2024-11-20T09:30:00+03:00' },
    };
    const missing = await post('/fhir/Encounter', encounter);
    expect(missing.status).toBe(422);
    expect(json(missing).issue.map((i: { diagnostics: string }) => i.diagnostics)).toEqual(['Encounter.serviceProvider: required element is missing']);
    const ok = await post('/fhir/Encounter', { ...encounter, serviceProvider: { reference: 'Organization/polyclinic-12' } });
    expect(ok.status).toBe(201);

    const observation = (valueQuantity: object) => ({
      resourceType: 'Observation',
      meta: { profile: [`${SD}/city-observation`] },
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
      subject: { reference: 'Patient/p-1' },
      effectiveDateTime: '2024-11-20T09:40:00+03:00',
      valueQuantity,
    });
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'POST', url: 'Observation' }, resource: observation({ value: 82, system: 'http://unitsofmeasure.org', code: 'kg' }) },
        { request: { method: 'POST', url: 'Observation' }, resource: observation({ value: 82, unit: 'kg' }) },
      ],
    };
    const tx = await post('/fhir', bundle);
    expect(tx.status).toBe(422);
    expect(json(tx).issue).toEqual([expect.objectContaining({ code: 'invariant', expression: [expect.stringMatching(/^Bundle\.entry\[1\]\.resource/)] })]);
    expect(json(tx).issue[0].diagnostics).toMatch(/^Bundle\.entry\[1\]: Observation: invariant city-obs-ucum not met/);
    bundle.entry.pop();
    expect((await post('/fhir', bundle)).status).toBe(200);
  });

  it('$validate?profile= finds our profiles; without it, the claimed ones apply', async () => {
    const unclaimed = { ...cityPatient(), meta: undefined, identifier: [{ system: OMS, value: '12345' }] };
    const plain = await post('/fhir/Patient/$validate', unclaimed);
    expect(json(plain).issue).toEqual([{ severity: 'information', code: 'informational', diagnostics: 'The resource is valid' }]);
    const asked = await post(`/fhir/Patient/$validate?profile=${encodeURIComponent(`${SD}/city-patient`)}`, unclaimed);
    expect(asked.status).toBe(200);
    expect(json(asked).issue.map((i: { diagnostics: string }) => i.diagnostics.replace(/ not met: .*/, ''))).toEqual([
      'Patient.identifier[0]: invariant oms-number-format',
    ]);
    const claimed = await post('/fhir/Patient/$validate', { ...unclaimed, meta: { profile: [`${SD}/city-patient`] } });
    expect(json(claimed).issue.map((i: { expression: string[] }) => i.expression)).toEqual([['Patient.identifier[0]']]);
    const parameters = await post('/fhir/Patient/$validate', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: unclaimed },
        { name: 'profile', valueUri: `${SD}/city-patient` },
      ],
    });
    expect(json(parameters).issue.map((i: { expression: string[] }) => i.expression)).toEqual([['Patient.identifier[0]']]);
    const unknown = await post(`/fhir/Patient/$validate?profile=${encodeURIComponent('http://example.org/x')}`, unclaimed);
    expect(unknown.status).toBe(400);
  });
});

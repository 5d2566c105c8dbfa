import { startSeededServer, SeededServer } from '../support/seeded-server';
import { tokenFor } from '../support/tokens';

/**
 * CONTRACT.md "Who may do what", as a table a reviewer can check line by line. The city is the
 * demo city: pract-1 works at polyclinic org-poly-1, where pat-1 is attached; pat-2 belongs to
 * org-poly-2; pat-13 only to the hospital. "mine" is pat-1 (the clinician's attached patient, or
 * the patient themself), "other" is pat-2.
 */
type Who = 'admin' | 'system' | 'clinician' | 'clinician+BTG' | 'patient' | 'auditor' | 'no token';
type Target = 'mine' | 'other';
type Interaction =
  | 'read Patient' | 'read Observation' | 'search Observation?patient' | 'history Patient'
  | 'create Observation' | 'update Patient' | 'patch Patient' | 'delete Observation'
  | 'transaction: create Observation' | 'read Organization' | 'search AuditEvent';

const MATRIX: [Who, Interaction, Target, number][] = [
  // who              interaction                          target   status
  ['admin',           'read Patient',                      'other', 200],
  ['admin',           'delete Observation',                'other', 200],
  ['system',          'read Patient',                      'other', 200],
  ['system',          'search Observation?patient',        'other', 200],
  ['system',          'create Observation',                'other', 201],
  ['system',          'update Patient',                    'other', 200],
  ['system',          'delete Observation',                'mine',  403],
  ['clinician',       'read Patient',                      'mine',  200],
  ['clinician',       'read Patient',                      'other', 404],
  ['clinician',       'read Observation',                  'mine',  200],
  ['clinician',       'read Observation',                  'other', 404],
  ['clinician',       'search Observation?patient',        'mine',  200],
  ['clinician',       'search Observation?patient',        'other', 200],
  ['clinician',       'history Patient',                   'mine',  200],
  ['clinician',       'history Patient',                   'other', 404],
  ['clinician',       'create Observation',                'mine',  201],
  ['clinician',       'create Observation',                'other', 404],
  ['clinician',       'update Patient',                    'mine',  200],
  ['clinician',       'update Patient',                    'other', 404],
  ['clinician',       'patch Patient',                     'mine',  200],
  ['clinician',       'patch Patient',                     'other', 404],
  ['clinician',       'delete Observation',                'mine',  403],
  ['clinician',       'transaction: create Observation',   'mine',  200],
  ['clinician',       'transaction: create Observation',   'other', 404],
  ['clinician',       'read Organization',                 'other', 200],
  ['clinician',       'search AuditEvent',                 'mine',  403],
  ['clinician+BTG',   'read Patient',                      'other', 200],
  ['clinician+BTG',   'read Observation',                  'other', 200],
  ['clinician+BTG',   'search Observation?patient',        'other', 200],
  ['patient',         'read Patient',                      'mine',  200],
  ['patient',         'read Patient',                      'other', 404],
  ['patient',         'read Observation',                  'mine',  200],
  ['patient',         'read Observation',                  'other', 404],
  ['patient',         'search Observation?patient',        'mine',  200],
  ['patient',         'search Observation?patient',        'other', 200],
  ['patient',         'history Patient',                   'other', 404],
  ['patient',         'create Observation',                'mine',  403],
  ['patient',         'update Patient',                    'mine',  403],
  ['patient',         'delete Observation',                'mine',  403],
  ['patient',         'read Organization',                 'other', 200],
  ['auditor',         'read Patient',                      'mine',  403],
  ['auditor',         'read Observation',                  'mine',  403],
  ['auditor',         'search Observation?patient',        'mine',  403],
  ['auditor',         'create Observation',                'mine',  403],
  ['auditor',         'read Organization',                 'other', 403],
  ['no token',        'read Patient',                      'mine',  401],
  ['no token',        'search Observation?patient',        'mine',  401],
  ['no token',        'create Observation',                'mine',  401],
];

/** Search result sets: exactly the target's Observations when visible, none when not. */
const VISIBLE_SEARCH: Record<Who, Record<Target, boolean>> = {
  admin: { mine: true, other: true },
  system: { mine: true, other: true },
  clinician: { mine: true, other: false },
  'clinician+BTG': { mine: true, other: true },
  patient: { mine: true, other: false },
  auditor: { mine: false, other: false },
  'no token': { mine: false, other: false },
};

describe('access matrix: every role x interaction x own/other patient', () => {
  let s: SeededServer;
  const auth: Partial<Record<Who, string>> = {};
  const obsOf: Record<Target, string> = { mine: '', other: '' };
  const patientOf: Record<Target, string> = { mine: 'pat-1', other: 'pat-2' };
  const expectedObs: Record<Target, string[]> = { mine: [], other: [] };

  beforeAll(async () => {
    s = await startSeededServer();
    auth.admin = `Bearer ${await tokenFor({ roles: ['admin'] })}`;
    auth.system = `Bearer ${await tokenFor({ roles: ['system'], sub: 'clinic-software-1' })}`;
    auth.clinician = `Bearer ${await tokenFor({ roles: ['clinician'], fhirUser: 'Practitioner/pract-1' })}`;
    auth['clinician+BTG'] = auth.clinician;
    auth.patient = `Bearer ${await tokenFor({ roles: ['patient'], fhirUser: 'Patient/pat-1' })}`;
    auth.auditor = `Bearer ${await tokenFor({ roles: ['auditor'] })}`;
    for (const t of ['mine', 'other'] as Target[]) {
      expectedObs[t] = await observationsOf(patientOf[t]);
      obsOf[t] = expectedObs[t][0];
    }
  });
  afterAll(async () => {
    await s.close();
  });

  /** The patient's live Observations now, from the store's own tables (rows change as the table runs). */
  async function observationsOf(patientId: string): Promise<string[]> {
    const rows = await s.sql.query(
      `SELECT r.id FROM resource r JOIN resource_compartment c ON c.rid = r.rid
        WHERE r.resource_type = 'Observation' AND NOT r.deleted AND c.patient_id = $1`,
      [patientId],
    );
    return rows.rows.map((r) => r.id as string).sort();
  }

  it('the demo city has the shape the table assumes', async () => {
    expect(s.seeded).toBe(true);
    expect(expectedObs.mine.length).toBeGreaterThan(0);
    expect(expectedObs.other.length).toBeGreaterThan(0);
    const org = await s.sql.query(`SELECT content::jsonb -> 'managingOrganization' ->> 'reference' AS org FROM resource WHERE resource_type = 'Patient' AND id = ANY($1) ORDER BY id`, [['pat-1', 'pat-2']]);
    expect(org.rows.map((r) => r.org)).toEqual(['Organization/org-poly-1', 'Organization/org-poly-2']);
  });

  const observation = (patient: string) => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: `Patient/${patient}` },
    valueQuantity: { value: 70, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  });

  it.each(MATRIX)('%s: %s of %s → %i', async (who, interaction, target, status) => {
    const agent = who === 'no token' ? s.as('') : s.as(auth[who]!);
    const pid = patientOf[target];
    const withBtg = <T extends { set(k: string, v: string): T }>(r: T): T => (who === 'clinician+BTG' ? r.set('X-Break-Glass', 'emergency: unconscious patient') : r);
    const json = 'application/fhir+json';
    let res;
    switch (interaction) {
      case 'read Patient':
        res = await withBtg(agent.get(`/fhir/Patient/${pid}`));
        if (status === 200) expect(JSON.parse(res.text).id).toBe(pid);
        break;
      case 'read Observation':
        res = await withBtg(agent.get(`/fhir/Observation/${obsOf[target]}`));
        break;
      case 'search Observation?patient': {
        res = await withBtg(agent.get(`/fhir/Observation?patient=${pid}&_count=1000`));
        if (res.status === 200) {
          const ids = (JSON.parse(res.text).entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort();
          expect(ids).toEqual(VISIBLE_SEARCH[who][target] ? await observationsOf(pid) : []);
        }
        break;
      }
      case 'history Patient':
        res = await withBtg(agent.get(`/fhir/Patient/${pid}/_history`));
        break;
      case 'create Observation':
        res = await withBtg(agent.post('/fhir/Observation').set('Content-Type', json).send(JSON.stringify(observation(pid))));
        break;
      case 'update Patient': {
        const current = JSON.parse((await s.api.get(`/fhir/Patient/${pid}`)).text);
        res = await withBtg(agent.put(`/fhir/Patient/${pid}`).set('Content-Type', json).send(JSON.stringify({ ...current, active: true })));
        break;
      }
      case 'patch Patient':
        res = await withBtg(
          agent.patch(`/fhir/Patient/${pid}`).set('Content-Type', 'application/json-patch+json').send(JSON.stringify([{ op: 'add', path: '/active', value: true }])),
        );
        break;
      case 'delete Observation': {
        const created = JSON.parse((await s.api.post('/fhir/Observation').set('Content-Type', json).send(JSON.stringify(observation(pid)))).text);
        res = await withBtg(agent.delete(`/fhir/Observation/${created.id}`));
        break;
      }
      case 'transaction: create Observation':
        res = await withBtg(
          agent.post('/fhir').set('Content-Type', json).send(
            JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: observation(pid), request: { method: 'POST', url: 'Observation' } }] }),
          ),
        );
        break;
      case 'read Organization':
        res = await withBtg(agent.get('/fhir/Organization/org-poly-2'));
        break;
      case 'search AuditEvent':
        res = await withBtg(agent.get('/fhir/AuditEvent?_count=5'));
        break;
    }
    expect(res!.status).toBe(status);
    if (status >= 400) {
      const oo = JSON.parse(res!.text);
      expect(oo.resourceType).toBe('OperationOutcome');
      if (status === 401) expect(res!.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('a clinician searching Patient sees exactly the patients attached to their polyclinic', async () => {
    const res = await s.as(auth.clinician!).get('/fhir/Patient?_count=1000');
    expect(res.status).toBe(200);
    const ids = (JSON.parse(res.text).entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort();
    const expected = await s.sql.query(
      `SELECT id FROM resource WHERE resource_type = 'Patient' AND NOT deleted
          AND content::jsonb -> 'managingOrganization' ->> 'reference' = 'Organization/org-poly-1' ORDER BY id`,
    );
    expect(ids).toEqual(expected.rows.map((r) => r.id).sort());
    expect(ids).not.toContain('pat-2');
    expect(ids).not.toContain('pat-13');
  });

  it('a patient sees only their own compartment in a search without criteria', async () => {
    const res = await s.as(auth.patient!).get('/fhir/Condition?_count=1000');
    const ids = (JSON.parse(res.text).entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort();
    const expected = await s.sql.query(
      `SELECT r.id FROM resource r JOIN resource_compartment c ON c.rid = r.rid WHERE r.resource_type = 'Condition' AND NOT r.deleted AND c.patient_id = 'pat-1' ORDER BY r.id`,
    );
    expect(ids).toEqual(expected.rows.map((r) => r.id).sort());
  });

  it('SMART scopes narrow the role: patient/Observation.rs may read Observations but not Conditions', async () => {
    const narrow = `Bearer ${await tokenFor({ roles: ['patient'], fhirUser: 'Patient/pat-1', scope: 'openid patient/Observation.rs' })}`;
    expect((await s.as(narrow).get(`/fhir/Observation/${obsOf.mine}`)).status).toBe(200);
    expect((await s.as(narrow).get('/fhir/Condition?_count=1')).status).toBe(403);
    const v1 = `Bearer ${await tokenFor({ roles: ['system'], scope: 'system/Patient.read' })}`;
    expect((await s.as(v1).get('/fhir/Patient/pat-2')).status).toBe(200);
    expect((await s.as(v1).post('/fhir/Patient').set('Content-Type', 'application/fhir+json').send('{"resourceType":"Patient"}')).status).toBe(403);
  });
});

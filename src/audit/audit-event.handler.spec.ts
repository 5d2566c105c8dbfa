import { masked } from './audit-event.handler';

const patient = (reference: string) => ({ what: { reference }, role: { code: '1' } });
const resource = (reference: string) => ({ what: { reference }, role: { code: '4' } });
const query = { role: { code: '24' }, query: 'bmFtZT3QmNCy0LDQvdC+0LI=' };
const event = (entity: object[]) => JSON.stringify({ resourceType: 'AuditEvent', id: 'a', meta: { versionId: '1' }, agent: [{ who: { reference: 'Practitioner/pr-1' } }], entity });
const me = { kind: 'patient', patientId: 'p-1' } as const;

describe('masked: what a patient is served of an AuditEvent about them', () => {
  it('serves auditors the stored text unchanged', () => {
    const text = event([patient('Patient/p-2'), query]);
    expect(masked({ kind: 'all' }, text)).toBe(text);
  });

  it('keeps an event about the patient alone, minus the query', () => {
    expect(masked(me, event([resource('Observation/o-1'), patient('Patient/p-1')]))).toBe(event([resource('Observation/o-1'), patient('Patient/p-1')]));
    const e = JSON.parse(masked(me, event([query, patient('Patient/p-1')])));
    expect(e.entity).toEqual([patient('Patient/p-1')]);
    expect(e.meta.tag).toEqual([{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' }]);
  });

  it('keeps only their own patient entity of an event about several patients', () => {
    const e = JSON.parse(masked(me, event([resource('Patient/p-2/_history/1'), resource('Observation/o-2'), patient('Patient/p-1'), patient('Patient/p-2'), query])));
    expect(e.entity).toEqual([patient('Patient/p-1')]);
    expect(e.agent).toEqual([{ who: { reference: 'Practitioner/pr-1' } }]);
  });
});

import { ResourceValidator } from '../fhir/validation/resource-validator';
import type { FhirRequestContext } from '../fhir/fhir-context';
import { AuditRecord, buildAuditRecord, PATIENT_ENTITY_PREFIX, PATIENT_ENTITY_SUFFIX } from './audit-event.builder';

/** What the insert statement does to a record: append the patient entities it found. */
function complete(r: AuditRecord, patients: string[]): string {
  const json = patients.map((p) => PATIENT_ENTITY_PREFIX + JSON.stringify(`Patient/${p}`) + PATIENT_ENTITY_SUFFIX).join(',');
  return r.head + (patients.length ? r.open + json + r.close : '') + r.tail;
}

const clinician: FhirRequestContext = {
  requestId: 'req-1',
  baseUrl: 'http://localhost/fhir',
  clientAddress: '10.0.0.7',
  principal: { sub: 'user-1', roles: ['clinician'], fhirUser: { resourceType: 'Practitioner', id: 'pr-1' } },
};
const at = new Date('2026-03-01T10:00:00.123Z');

describe('buildAuditRecord', () => {
  const validator = new ResourceValidator();

  it('builds the BALP read event: type rest, subtype read, action R, agent, source, entity, patient', () => {
    const r = buildAuditRecord({
      ctx: clinician, type: 'rest', subtype: 'read', action: 'R', outcome: '0',
      entities: ['Observation/o-1'], rids: ['42'], recorded: at, id: 'a-1',
    });
    const e = JSON.parse(complete(r, ['p-1']));
    expect(e).toEqual({
      resourceType: 'AuditEvent',
      id: 'a-1',
      meta: { versionId: '1', lastUpdated: '2026-03-01T10:00:00.123Z' },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
      subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read', display: 'read' }],
      action: 'R',
      recorded: '2026-03-01T10:00:00.123Z',
      outcome: '0',
      agent: [
        {
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
          role: [{ coding: [{ system: 'https://kartoteka.example/fhir/CodeSystem/role', code: 'clinician' }] }],
          who: { reference: 'Practitioner/pr-1' },
          altId: 'user-1',
          requestor: true,
          network: { address: '10.0.0.7', type: '2' },
        },
      ],
      source: {
        observer: { identifier: { system: 'https://kartoteka.example/fhir/source', value: 'kartoteka' }, display: 'Kartoteka FHIR server' },
        type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
      },
      entity: [
        {
          what: { reference: 'Observation/o-1' },
          type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
          role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '4', display: 'Domain Resource' },
        },
        {
          what: { reference: 'Patient/p-1' },
          type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
          role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
        },
      ],
    });
    expect(validator.validate(e).filter((i) => i.severity === 'error')).toEqual([]);
    // The validator does catch a broken AuditEvent (so the checks above could fail).
    expect(validator.validate({ ...e, agent: [{ who: { reference: 'Practitioner/pr-1' } }] }).some((i) => i.severity === 'error')).toBe(true);
    expect(r.links).toEqual([
      { kind: 'a', ref: 'Practitioner/pr-1' },
      { kind: 'i', ref: 'user-1' },
      { kind: 'e', ref: 'Observation/o-1' },
    ]);
    expect(r.rids).toEqual(['42']);
    expect(r.lookups).toEqual([]);
  });

  it('stays valid JSON and valid R4 with and without patients, entities and a query', () => {
    const variants = [
      { entities: [], query: undefined, patients: [] as string[] },
      { entities: [], query: 'name=Иванов&_count=5', patients: [] },
      { entities: [], query: 'code=1', patients: ['p-1', 'p-2'] },
      { entities: ['Patient/p-1/_history/3'], query: undefined, patients: ['p-1'] },
      { entities: ['Patient/p-1'], query: undefined, patients: [] },
    ];
    for (const v of variants) {
      for (const mayHavePatients of [true, false]) {
        const r = buildAuditRecord({
          ctx: clinician, type: 'rest', subtype: 'search-type', action: 'E', outcome: '0',
          entities: v.entities, query: v.query, rids: mayHavePatients ? ['1'] : undefined,
        });
        const text = complete(r, mayHavePatients ? v.patients : []);
        const e = JSON.parse(text);
        expect(validator.validate(e).filter((i) => i.severity === 'error')).toEqual([]);
        expect(e.entity === undefined).toBe(v.entities.length === 0 && !v.query && (!mayHavePatients || v.patients.length === 0));
      }
    }
  });

  it('names an operation in a second subtype coding: its OperationDefinition URL and $name (valid R4)', () => {
    const r = buildAuditRecord({
      ctx: clinician, type: 'rest', subtype: 'operation', action: 'E', outcome: '0', entities: [], query: '_count=10',
      patients: ['p-1'], operation: { name: '$everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' }, recorded: at,
    });
    const e = JSON.parse(complete(r, ['p-1']));
    expect(e.subtype).toEqual([
      { system: 'http://hl7.org/fhir/restful-interaction', code: 'operation', display: 'operation' },
      { system: 'urn:ietf:rfc:3986', code: 'http://hl7.org/fhir/OperationDefinition/Patient-everything', display: '$everything' },
    ]);
    expect(r.subtype).toBe('operation');
    expect(validator.validate(e).filter((i) => i.severity === 'error')).toEqual([]);
    const refused = JSON.parse(
      complete(buildAuditRecord({ ctx: clinician, type: 'rest', subtype: 'operation', action: 'E', outcome: '4', entities: [], operation: { name: '$match' } }), []),
    );
    expect(refused.subtype[1]).toEqual({ display: '$match' });
  });

  it('records the query in base64 (BALP Query) and break-glass as purposeOfEvent BTG', () => {
    const r = buildAuditRecord({
      ctx: { ...clinician, breakGlassReason: 'unconscious in ER' }, type: 'rest', subtype: 'search-type', action: 'E', outcome: '0',
      entities: [], query: 'name=Иванов',
    });
    const e = JSON.parse(complete(r, []));
    expect(e.purposeOfEvent).toEqual([
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG', display: 'break the glass' }], text: 'unconscious in ER' },
    ]);
    expect(Buffer.from(e.entity[0].query, 'base64').toString('utf8')).toBe('name=Иванов');
    expect(e.entity[0].role.code).toBe('24');
    expect(r.purpose).toEqual(['BTG']);
    expect(r.links).toContainEqual({ kind: 'u', ref: 'BTG' });
  });

  it('names an unauthenticated caller by display, a caller without fhirUser by identifier', () => {
    const anon = JSON.parse(buildAuditRecord({ ctx: { requestId: 'r', baseUrl: '' }, type: 'rest', action: 'R', outcome: '4', outcomeDesc: 'HTTP 401', entities: [] }).head);
    expect(anon.agent).toEqual([{ type: anon.agent[0].type, who: { display: 'unauthenticated' }, requestor: true }]);
    expect(anon.outcomeDesc).toBe('HTTP 401');
    const system = buildAuditRecord({
      ctx: { requestId: 'r', baseUrl: '', principal: { sub: 'lab-app', roles: ['system'], clientId: 'lab' } },
      type: 'rest', action: 'C', outcome: '0', entities: ['Observation/1/_history/1'],
    });
    const e = JSON.parse(system.head);
    expect(e.agent[0].who).toEqual({ identifier: { value: 'lab-app' } });
    expect(e.agent[0].type.coding[0].code).toBe('AUT');
    expect(e.agent[1]).toEqual({
      type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110150', display: 'Application' }] },
      who: { identifier: { value: 'lab' } },
      requestor: false,
    });
    expect(system.links).toEqual([{ kind: 'i', ref: 'lab-app' }, { kind: 'e', ref: 'Observation/1' }]);
  });
});

import { FhirError } from '../fhir/errors/fhir-error';
import { compileAuditSearch } from './audit-search';

const all = { kind: 'all' } as const;
const q = (s: string) => new URLSearchParams(s);
const LINK = (a: number, b: number) => `e.seq IN (SELECT l.seq FROM audit_link l WHERE l.ref = ANY($${a}::text[]) AND l.kind = ANY($${b}::text[]))`;
const SELECT = 'SELECT e.seq::text AS seq, (extract(epoch FROM e.recorded) * 1000000)::bigint::text AS recorded_us, e.id, e.content, e.patients FROM audit_event e WHERE ';
const DESC = 'ORDER BY e.recorded DESC, e.seq DESC';

describe('compileAuditSearch', () => {
  it('lists the newest first, 20 a page, with no criteria', () => {
    const c = compileAuditSearch(q(''), all);
    expect(c.text).toBe(`${SELECT}true ${DESC} LIMIT $1`);
    expect(c.values).toEqual([21]);
    expect(c.count).toBe(20);
    expect(c.countText).toBeUndefined();
  });

  it('confines a patient to the events whose patient entity is their own record', () => {
    const c = compileAuditSearch(q('_count=5'), { kind: 'patient', patientId: 'p-1' });
    expect(c.text).toBe(`${SELECT}${LINK(1, 2)} ${DESC} LIMIT $3`);
    expect(c.values).toEqual([['Patient/p-1'], ['p'], 6]);
  });

  it('lets a patient match only what they are served: no hidden patients, no entities of shared events', () => {
    const me = { kind: 'patient', patientId: 'p-1' } as const;
    const other = compileAuditSearch(q('patient=Patient/p-2'), me);
    expect(other.text).toBe(`${SELECT}${LINK(1, 2)} AND ${LINK(3, 4)} ${DESC} LIMIT $5`);
    expect(other.values.slice(2, 4)).toEqual([['Patient/p-2'], ['a']]);
    expect(compileAuditSearch(q('patient=p-1'), me).text).toBe(`${SELECT}${LINK(1, 2)} ${DESC} LIMIT $3`);
    const entity = compileAuditSearch(q('entity=Observation/o-9'), me);
    expect(entity.text).toBe(`${SELECT}${LINK(1, 2)} AND cardinality(e.patients) = 1 AND ${LINK(3, 4)} ${DESC} LIMIT $5`);
    expect(entity.values.slice(2, 4)).toEqual([['Observation/o-9'], ['e']]);
  });

  it('compiles patient, agent, entity, purpose-of-use through the link index', () => {
    const c = compileAuditSearch(q('patient=Patient/p-1,p-2&agent=Practitioner/pr-1&entity=Observation/o-1&purpose-of-use=http://terminology.hl7.org/CodeSystem/v3-ActReason|BTG&agent:identifier=user-1'), all);
    expect(c.text).toBe(`${SELECT}${LINK(1, 2)} AND ${LINK(3, 4)} AND ${LINK(5, 6)} AND ${LINK(7, 8)} AND ${LINK(9, 10)} ${DESC} LIMIT $11`);
    expect(c.values).toEqual([
      ['Patient/p-1', 'Patient/p-2'], ['p', 'a'],
      ['Practitioner/pr-1'], ['a'],
      ['Observation/o-1'], ['e', 'p'],
      ['BTG'], ['u'],
      ['user-1'], ['i'],
      21,
    ]);
  });

  it('reads a bare agent id as any agent type, and a URL as its last Type/id', () => {
    const c = compileAuditSearch(q('agent=pr-1&entity=http://x/fhir/Observation/o-1/_history/2'), all);
    expect(c.values[0]).toEqual(['Practitioner/pr-1', 'Patient/pr-1', 'PractitionerRole/pr-1', 'Device/pr-1', 'Organization/pr-1', 'RelatedPerson/pr-1']);
    expect(c.values[2]).toEqual(['Observation/o-1']);
  });

  it('compiles token parameters on their columns, honouring the code system', () => {
    const c = compileAuditSearch(
      q('type=http://terminology.hl7.org/CodeSystem/audit-event-type|rest,http://dicom.nema.org/resources/ontology/DCM|rest&subtype=read,vread&action=R&outcome=4,8'),
      all,
    );
    expect(c.text).toBe(
      `${SELECT}e.type = ANY($1::text[]) AND e.subtype = ANY($2::text[]) AND e.action = ANY($3::text[]) AND e.outcome = ANY($4::text[]) ${DESC} LIMIT $5`,
    );
    expect(c.values).toEqual([['rest'], ['read', 'vread'], ['R'], ['4', '8'], 21]);
    expect(compileAuditSearch(q('subtype=http://other|read'), all).values[0]).toEqual([]);
    expect(compileAuditSearch(q('type=110106'), all).values[0]).toEqual(['110106']);
  });

  it('compiles date prefixes to ranges at the value\'s precision', () => {
    const c = compileAuditSearch(q('date=ge2026-03-01&date=lt2026-03-02T10:00:00Z'), all);
    expect(c.text).toBe(`${SELECT}(e.recorded >= $1::timestamptz) AND (e.recorded < $2::timestamptz) ${DESC} LIMIT $3`);
    expect(c.values).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-02T10:00:00.000Z', 21]);
    const eq = compileAuditSearch(q('date=2026-03'), all);
    expect(eq.text).toBe(`${SELECT}((e.recorded >= $1::timestamptz AND e.recorded <= $2::timestamptz)) ${DESC} LIMIT $3`);
    expect(eq.values.slice(0, 2)).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-31T23:59:59.999Z']);
    const or = compileAuditSearch(q('date=gt2026,le2020'), all);
    expect(or.text).toContain('(e.recorded > $1::timestamptz OR e.recorded <= $2::timestamptz)');
  });

  it('pages by keyset on seq, and counts on request', () => {
    const c = compileAuditSearch(q('outcome=4&_cursor=1767225600123000.991&_count=2&_total=accurate'), all);
    expect(c.text).toBe(
      `${SELECT}e.outcome = ANY($1::text[]) AND (e.recorded, e.seq) < ('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $3::bigint) ${DESC} LIMIT $4`,
    );
    expect(c.values).toEqual([['4'], '1767225600123000', '991', 3]);
    expect(c.countText).toBe('SELECT count(*)::int AS n FROM audit_event e WHERE e.outcome = ANY($1::text[])');
    expect(c.countValues).toEqual([['4']]);
    expect(c.linkParams.toString()).toBe('outcome=4&_count=2&_total=accurate');
    const asc = compileAuditSearch(q('_sort=date&_cursor=-5.5'), all);
    expect(asc.text).toBe(`${SELECT}(e.recorded, e.seq) > ('epoch'::timestamptz + $1::bigint * interval '1 microsecond', $2::bigint) ORDER BY e.recorded ASC, e.seq ASC LIMIT $3`);
  });

  it('matches source against this server only', () => {
    expect(compileAuditSearch(q('source=kartoteka'), all).text).toBe(`${SELECT}true ${DESC} LIMIT $1`);
    expect(compileAuditSearch(q('source:identifier=https://kartoteka.example/fhir/source|kartoteka'), all).text).toBe(`${SELECT}true ${DESC} LIMIT $1`);
    expect(compileAuditSearch(q('source=Device/other'), all).text).toBe(`${SELECT}false ${DESC} LIMIT $1`);
  });

  it.each([
    ['name=x', 'Unknown search parameter for AuditEvent: name'],
    ['date=yesterday', 'date must be a FHIR date, dateTime or instant, optionally with a prefix'],
    ['date=2021-02-30', 'date must be a FHIR date, dateTime or instant, optionally with a prefix'],
    ['_count=-1', '_count must be a non-negative integer'],
    ['_cursor=abc', '_cursor is not a valid paging cursor'],
    ['_cursor=991', '_cursor is not a valid paging cursor'],
    ['_sort=outcome', 'AuditEvent sorts by date or -date'],
    ['action:not=R', 'The modifier :not is not supported on action'],
    ['entity=o-1', 'entity takes a reference of the form Type/id'],
    ['outcome=', 'A token search on AuditEvent needs a code'],
  ])('answers 400 to %s', (query, message) => {
    let err: unknown;
    try {
      compileAuditSearch(q(query), all);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FhirError);
    expect((err as FhirError).status).toBe(400);
    expect((err as FhirError).message).toBe(message);
  });

  it('ignores unknown parameters under Prefer: handling=lenient', () => {
    expect(compileAuditSearch(q('name=x'), all, true).text).toBe(`${SELECT}true ${DESC} LIMIT $1`);
  });
});

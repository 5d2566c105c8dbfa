import type { AccessScope } from '../../access/access-scope';
import { parseEverythingParams } from './patient-everything.operation';
import { everythingSql } from './patient-everything.query';

const scope = (kind: string): AccessScope => ({
  kind,
  predicate: (alias, bind) => `${alias}.rid <> ${bind(0)}`,
  canSee: async () => true,
  assertWritable: async () => undefined,
});

describe('everythingSql', () => {
  it('reads the compartment and its directory references, keyset-paged by rid', () => {
    const q = everythingSql({ patientId: 'p1', limit: 101 });
    expect(q.name).toBe('kt_everything_all_c*_r1__');
    expect(q.values).toEqual(['p1', ['Practitioner', 'Organization', 'Location'], 101]);
    // Ids resolve through resource_key: one partition probed, not every partition's (type, id) index.
    expect(q.text).toContain(
      `pat AS (SELECT p.rid FROM resource p WHERE p.rid = (SELECT k.rid FROM resource_key k WHERE k.resource_type = 'Patient' AND k.id = $1) AND NOT p.deleted)`,
    );
    expect(q.text).toContain(
      'refs AS (SELECT k.rid FROM resource_key k WHERE (k.resource_type, k.id) IN (SELECT x.target_type, x.target_id FROM sp_reference x WHERE x.rid IN (SELECT rid FROM comp) AND x.target_type = ANY($2::text[])))',
    );
    expect(q.text).toContain('FROM resource_compartment c WHERE c.patient_id = $1 AND EXISTS (SELECT 1 FROM pat)');
    expect(q.text).toContain('FROM sp_reference x WHERE x.rid IN (SELECT rid FROM comp) AND x.target_type = ANY($2::text[])');
    expect(q.text).toContain('FROM (SELECT rid FROM comp UNION SELECT rid FROM refs ORDER BY rid) m');
    expect(q.text).toContain('FROM resource r WHERE r.rid = m.rid AND NOT r.deleted LIMIT 1) r');
    expect(q.text).toContain('ORDER BY m.rid LIMIT $3');
    expect(q.text).not.toMatch(/OFFSET/i);
  });

  it('binds the cursor, _since and _type, splitting compartment and directory types', () => {
    const since = new Date('2024-01-01T00:00:00Z');
    const q = everythingSql({ patientId: 'p1', types: ['Observation', 'Location'], since, afterRid: '42', limit: 11 });
    expect(q.name).toBe('kt_everything_all_c1_r1_a_s');
    expect(q.values).toEqual(['p1', ['Location'], ['Observation'], since, '42', 11]);
    expect(q.text).toContain('FROM (SELECT rid FROM comp WHERE resource_type = ANY($3::text[]) UNION SELECT rid FROM refs ORDER BY rid) m');
    expect(q.text).toContain('WHERE r.rid = m.rid AND NOT r.deleted AND r.last_updated >= $4::timestamptz LIMIT 1) r');
    expect(q.text).toContain('WHERE m.rid > $5::bigint');
  });

  it('leaves out the references when _type names no directory type', () => {
    const q = everythingSql({ patientId: 'p1', types: ['Patient'], limit: 2 });
    expect(q.name).toBe('kt_everything_all_c1_r0__');
    expect(q.text).not.toContain('refs');
    expect(q.values).toEqual(['p1', ['Patient'], 2]);
  });

  it('ANDs the access predicate into the Patient, its compartment and the referenced resources, once each', () => {
    const q = everythingSql({ patientId: 'p1', limit: 5, scope: scope('patient') });
    expect(q.name).toBe('kt_everything_patient_c*_r1__');
    expect(q.text).toContain('AND NOT p.deleted AND p.rid <> $2)');
    expect(q.text).toContain('FROM resource_compartment c JOIN resource s ON s.rid = c.rid WHERE c.patient_id = $1 AND EXISTS (SELECT 1 FROM pat) AND s.rid <> $3)');
    expect(q.text).toContain('refs AS (SELECT t.rid FROM resource t WHERE t.rid IN (SELECT k.rid FROM resource_key k WHERE (k.resource_type, k.id) IN (');
    expect(q.text).toContain('AND x.target_type = ANY($4::text[]))) AND t.rid <> $5)');
    expect(q.text).toContain('FROM resource r WHERE r.rid = m.rid AND NOT r.deleted LIMIT 1) r');
    expect(q.values).toEqual(['p1', 0, 0, ['Practitioner', 'Organization', 'Location'], 0, 5]);
  });
});

describe('parseEverythingParams', () => {
  const parse = (q: string, strict = false) => parseEverythingParams(new URLSearchParams(q), strict);

  it('reads _count (default 100, at most 1000), _type lists, _since and the cursor', () => {
    expect(parse('')).toEqual({ count: 100 });
    expect(parse('_count=5000').count).toBe(1000);
    expect(parse('_type=Observation,Patient&_type=Observation').types).toEqual(['Observation', 'Patient']);
    expect(parse('_since=2024-01-31T10:00:00%2B03:00').since).toEqual(new Date('2024-01-31T07:00:00Z'));
    // An unencoded + in a query string arrives as a space.
    expect(parse('_since=2024-01-31T10:00:00+03:00').since).toEqual(new Date('2024-01-31T07:00:00Z'));
    expect(parse('_cursor=17').afterRid).toBe('17');
    expect(parse('start=2020')).toEqual({ count: 100 });
  });

  it.each(['_count=0', '_count=-3', '_count=1e3', '_type=Foo', '_type=', '_since=2024-01-31', '_since=2024-13-01T00:00:00Z', '_cursor=x'])(
    'rejects %s with 400',
    (q) => {
      expect(() => parse(q)).toThrow(expect.objectContaining({ status: 400 }));
    },
  );

  it('rejects unknown parameters only with Prefer: handling=strict', () => {
    expect(() => parse('start=2020', true)).toThrow(expect.objectContaining({ status: 400 }));
  });
});

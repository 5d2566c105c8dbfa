import { CompileScope, matchConditions } from '../compile/compile-filter';
import { parseSearch } from '../parse/parse-search';
import { getSearchParameterRegistry } from '../registry/search-parameter-registry';
import { And, toSql } from '../sql/sql';
import { partitionOfPatient } from '../../store/partition-key';

const registry = getSearchParameterRegistry();
const now = new Date('2025-06-01T00:00:00Z');

/** The WHERE the engine compiles for `type?query`, without the type and deleted conditions. */
function where(type: string, query: string) {
  const req = parseSearch(registry, type, new URLSearchParams(query), { strict: true, baseUrl: 'https://k.example/fhir', now });
  const scope = new CompileScope('https://k.example/fhir', now, undefined, (p) => [partitionOfPatient(p)]);
  const conds = matchConditions(req.resourceTypes, req.filters, scope).slice(2);
  return toSql(new And(conds));
}

describe('one predicate builder per parameter type: SQL text and values', () => {
  it('token: codes as one = ANY, systems checked after', () => {
    expect(where('Observation', 'code=a,b')).toEqual({
      text: 'r.rid IN (SELECT x1.rid FROM sp_token x1 WHERE x1.resource_type = $1 AND x1.param = $2 AND x1.code = ANY($3::text[]))',
      values: ['Observation', 'code', ['a', 'b']],
    });
    expect(where('Observation', 'code=s|a,|b').text).toBe(
      'r.rid IN (SELECT x1.rid FROM sp_token x1 WHERE x1.resource_type = $1 AND x1.param = $2 AND x1.code = ANY($3::text[]) AND (x1.code = $4 AND x1.system = $5 OR x1.code = $6 AND x1.system IS NULL))'.replace(
        '(x1.code = $4 AND x1.system = $5 OR x1.code = $6 AND x1.system IS NULL)',
        '((x1.code = $4 AND x1.system = $5) OR (x1.code = $6 AND x1.system IS NULL))',
      ),
    );
    expect(where('Observation', 'code:not=a').text).toBe('NOT EXISTS (SELECT 1 FROM sp_token x1 WHERE x1.rid = r.rid AND x1.param = $1 AND x1.code = $2)');
    expect(where('Observation', 'code:text=Heart%').values).toEqual(['Observation', 'code', 'heart\\%%', '% heart\\%%']);
  });

  it('string: normalized prefix, :contains anywhere, :exact on norm then exact', () => {
    expect(where('Patient', 'name=Ёлк_')).toEqual({
      text: 'r.rid IN (SELECT x1.rid FROM sp_string x1 WHERE x1.resource_type = $1 AND x1.param = $2 AND x1.norm LIKE $3)',
      values: ['Patient', 'name', 'елк\\_%'],
    });
    expect(where('Patient', 'name:contains=ab').values[2]).toBe('%ab%');
    expect(where('Patient', 'name:exact=Ab').text).toContain('x1.norm = $3 AND x1.exact = $4');
  });

  it('date: the prefix table over [low, high]', () => {
    const d = (q: string) => where('Observation', `date=${q}`).text.replace(/^.*x1\.param = \$2 AND /, '').replace(/\)$/, '');
    expect(d('2020')).toBe('x1.low >= $3::timestamptz AND x1.low <= $4::timestamptz AND x1.high <= $5::timestamptz');
    expect(d('ne2020')).toBe('NOT ((x1.low >= $3::timestamptz AND x1.low <= $4::timestamptz AND x1.high <= $5::timestamptz))');
    expect(d('gt2020')).toBe('x1.high > $3::timestamptz');
    expect(d('lt2020')).toBe('x1.low < $3::timestamptz');
    expect(d('ge2020')).toBe('x1.high >= $3::timestamptz AND (x1.high > $4::timestamptz OR x1.low >= $5::timestamptz)');
    expect(d('le2020')).toBe('x1.low <= $3::timestamptz AND (x1.low < $4::timestamptz OR x1.high <= $5::timestamptz)');
    expect(d('sa2020')).toBe('x1.low > $3::timestamptz');
    expect(d('eb2020')).toBe('x1.high < $3::timestamptz');
    expect(where('Observation', 'date=eb2020-03').values.slice(2)).toEqual(['2020-03-01T00:00:00.000Z']);
    expect(where('Observation', '_lastUpdated=gt2020').text).toBe('r.last_updated > $1::timestamptz');
  });

  it('reference: all four index columns for a single-target parameter; URLs as written', () => {
    expect(where('Observation', 'subject:Device=p1')).toEqual({
      text: 'r.rid IN (SELECT x1.rid FROM sp_reference x1 WHERE x1.resource_type = $1 AND x1.param = $2 AND x1.target_id = $3 AND x1.target_type = $4)',
      values: ['Observation', 'subject', 'p1', 'Device'],
    });
    expect(where('Observation', 'subject=p1').text).toContain('x1.target_id = $3)');
    expect(where('Observation', 'subject=https://k.example/fhir/Patient/p1').values).toEqual(['Observation', 'subject', 'p1', 'Patient', 'https://k.example/fhir/Patient/p1']);
    expect(where('Observation', 'subject=https://elsewhere/fhir/Patient/p1').text).toContain('x1.url = $3');
  });

  it('a search pinned to one patient by the partition parameter is bounded to its partition, index subqueries too, and driven from the patient', () => {
    // partitionOfPatient('p1') = 8: rids [9 << 48, 10 << 48), or legacy (< 2^48).
    const bound = (a: string) => `(${a}.rid < 281474976710656 OR (${a}.rid >= 2533274790395904 AND ${a}.rid < 2814749767106560))`;
    expect(where('Observation', 'patient=p1&code=a')).toEqual({
      text: `(${bound('r')} AND r.rid IN (SELECT x1.rid FROM sp_reference x1 WHERE x1.resource_type = $1 AND x1.param = $2 AND ${bound('x1')} AND x1.target_id = $3 AND x1.target_type = $4) AND EXISTS (SELECT 1 FROM sp_token x2 WHERE x2.resource_type = $5 AND x2.param = $6 AND ${bound('x2')} AND x2.rid = r.rid AND x2.code = $7 OFFSET 0))`,
      values: ['Observation', 'patient', 'p1', 'Patient', 'Observation', 'code', 'a'],
    });
    expect(where('Observation', 'subject=Patient/p1').text).toContain(`${bound('r')} AND r.rid IN`);
    expect(where('Observation', 'code:not=a&patient=p1').text).toContain(`x1.rid = r.rid AND x1.param = $1 AND ${bound('x1')}`);
    // Not pinned: two patients, a non-Patient target, a parameter that does not decide the partition, a multi-valued one.
    for (const [type, q] of [
      ['Observation', 'patient=p1,p2'],
      ['Observation', 'subject=Group/p1'],
      ['Observation', 'performer=Patient/p1'],
      ['Group', 'member=Patient/p1'],
      ['Observation', 'patient:missing=false'],
    ]) {
      expect(where(type, q).text).not.toContain('281474976710656');
    }
  });

  it('quantity and number: precision range, prefixes, system and code', () => {
    expect(where('Observation', 'value-quantity=5.40|http://unitsofmeasure.org|mg')).toEqual({
      text: 'r.rid IN (SELECT x1.rid FROM sp_quantity x1 WHERE x1.resource_type = $1 AND x1.param = $2 AND x1.value >= ($3::numeric - $4::numeric) AND x1.value < ($5::numeric + $6::numeric) AND x1.system = $7 AND x1.code = $8)',
      values: ['Observation', 'value-quantity', '5.40', '0.005', '5.40', '0.005', 'http://unitsofmeasure.org', 'mg'],
    });
    expect(where('Observation', 'value-quantity=gt5||mg').text).toContain('x1.value > $3::numeric AND (x1.code = $4 OR x1.unit = $5)');
  });

  it('uri: equality, :below and :above', () => {
    expect(where('Procedure', 'instantiates-uri:below=http://a/').text).toContain('starts_with(x1.value, $3)');
    expect(where('Procedure', 'instantiates-uri:above=http://a/b').text).toContain('starts_with($3, x1.value)');
  });

  it(':missing, _id and the access predicate', () => {
    expect(where('Patient', 'gender:missing=true').text).toBe('NOT EXISTS (SELECT 1 FROM sp_token x1 WHERE x1.rid = r.rid AND x1.param = $1)');
    expect(where('Patient', 'gender:missing=false').text).toBe('r.rid IN (SELECT x1.rid FROM sp_token x1 WHERE x1.resource_type = $1 AND x1.param = $2 AND true)');
    expect(where('Patient', '_id=a,b')).toEqual({ text: 'r.id = ANY($1::text[])', values: [['a', 'b']] });
    const scope = new CompileScope('https://k.example/fhir', now, {
      kind: 'test',
      predicate: (alias, bind) => `${alias}.id <> ${bind('hidden')}`,
      canSee: async () => true,
      assertWritable: async () => undefined,
    });
    expect(toSql(new And(matchConditions(['Patient'], [], scope)))).toEqual({
      text: '(r.resource_type = $1 AND NOT r.deleted AND (r.id <> $2))',
      values: ['Patient', 'hidden'],
    });
  });
});

import { And, AnyOf, Arith, Call, Cast, col, Condition, eq, Exists, Fragment, InSubquery, IsNull, Not, Or, Raw, Row, RowCompare, Scalar, Select, toSql, Unnest, val } from './sql';

describe('SQL expression tree', () => {
  it('binds every value as a numbered parameter, casts where asked', () => {
    expect(toSql(new And([eq(col('r', 'id'), val("x'; DROP TABLE resource; --")), new AnyOf(col('r', 'id'), val(['a', 'b'], 'text[]'))]))).toEqual({
      text: '(r.id = $1 AND r.id = ANY($2::text[]))',
      values: ["x'; DROP TABLE resource; --", ['a', 'b']],
    });
  });

  it('flattens nested junctions and unwraps single parts', () => {
    const e = new And([eq(col('x', 'a'), val(1)), new And([new Or([eq(col('x', 'b'), val(2))]), new And([])]), new Or([eq(col('x', 'c'), val(3)), new Or([eq(col('x', 'd'), val(4))])])]);
    expect(toSql(e).text).toBe('(x.a = $1 AND x.b = $2 AND (x.c = $3 OR x.d = $4))');
    expect(toSql(new Or([])).text).toBe('false');
    expect(toSql(new And([])).text).toBe('true');
  });

  it('writes a select with a bare WHERE, order and limit', () => {
    const q = new Select('sp_token', 'x1')
      .col('rid')
      .where(eq(col('x1', 'param'), val('code')), new Or([eq(col('x1', 'code'), val('a')), new IsNull(col('x1', 'system'))]))
      .orderBy({ expr: col('x1', 'rid'), descending: true, nullsFirst: false })
      .limit(21);
    expect(toSql(q)).toEqual({
      text: 'SELECT x1.rid FROM sp_token x1 WHERE x1.param = $1 AND (x1.code = $2 OR x1.system IS NULL) ORDER BY x1.rid DESC NULLS LAST LIMIT 21',
      values: ['code', 'a'],
    });
  });

  it('writes subqueries, rows, casts and arithmetic', () => {
    const sub = new Select('sp_reference', 'x').col('target_type').col('target_id');
    expect(toSql(new InSubquery(new Row([col('r', 'resource_type'), col('r', 'id')]), sub)).text).toBe(
      '(r.resource_type, r.id) IN (SELECT x.target_type, x.target_id FROM sp_reference x)',
    );
    expect(toSql(new Exists(new Select('sp_uri', 'u').where(eq(col('u', 'rid'), col('r', 'rid'))), true)).text).toBe(
      'NOT EXISTS (SELECT 1 FROM sp_uri u WHERE u.rid = r.rid)',
    );
    expect(toSql(new InSubquery(col('r', 'id'), new Unnest([val(['a'], 'text[]'), val(['b'], 'text[]')]))).text).toBe('r.id IN (SELECT * FROM unnest($1::text[], $2::text[]))');
    expect(toSql(new RowCompare(new Row([col('r', 'last_updated'), col('r', 'rid')]), '<', new Row([val('t', 'timestamptz'), val('9', 'bigint')]))).text).toBe(
      '(r.last_updated, r.rid) < ($1::timestamptz, $2::bigint)',
    );
    expect(toSql(new Cast(new Scalar(new Select('sp_date', 'd').expr(new Call('max', [col('d', 'high')]))), 'text')).text).toBe(
      '((SELECT max(d.high) FROM sp_date d))::text',
    );
    expect(toSql(new Condition(col('q', 'value'), '>=', new Arith(val('1', 'numeric'), '-', new Raw('0.5')))).text).toBe('q.value >= ($1::numeric - 0.5)');
    expect(toSql(new Not(new Fragment((bind) => `r.id = ${bind('z')}`)))).toEqual({ text: 'NOT ((r.id = $1))', values: ['z'] });
  });

  it('refuses identifiers that are not plain names', () => {
    expect(() => col('r', 'id; DROP')).toThrow();
    expect(() => new Select('resource r', 'r')).toThrow();
    expect(() => new Select('resource', 'r').col('id', 'a b')).toThrow();
  });
});

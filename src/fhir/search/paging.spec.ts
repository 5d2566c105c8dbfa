import { col, Scalar, Select, toSql } from './sql/sql';
import type { SortKey } from './compile/sort';
import { decodeCursor, encodeCursor, keysetCondition } from './paging';

const lu: SortKey = { expr: col('r', 'last_updated'), cast: 'timestamptz', nullable: false, descending: true };
const ridDesc: SortKey = { expr: col('r', 'rid'), cast: 'bigint', nullable: false, descending: true };
const name: SortKey = { expr: new Scalar(new Select('sp_string', 'x').col('norm')), cast: 'text', nullable: true, descending: false };
const ridAsc: SortKey = { ...ridDesc, descending: false };

describe('keyset paging', () => {
  it('round-trips a cursor and binds it to its search', () => {
    const c = encodeCursor({ direction: 'next', values: ['2024-01-01 00:00:00+00'], rid: '42' }, 'search-a');
    expect(decodeCursor(c, 'search-a', [lu])).toEqual({ direction: 'next', values: ['2024-01-01 00:00:00+00'], rid: '42' });
    expect(() => decodeCursor(c, 'search-b', [lu])).toThrow(expect.objectContaining({ status: 400 }));
  });

  it.each([
    ['not base64url', '%%%'],
    ['not JSON', Buffer.from('{').toString('base64url')],
    ['wrong shape', Buffer.from('[1]').toString('base64url')],
    ['bad rid', Buffer.from(JSON.stringify([1, 'n', 'x', ['2024-01-01 00:00:00+00'], '1; drop'])).toString('base64url')],
    ['bad key', Buffer.from(JSON.stringify([1, 'n', 'x', ["'; drop table resource"], '1'])).toString('base64url')],
    ['too long', 'a'.repeat(9000)],
    ['not canonical', `${encodeCursor({ direction: 'next', values: ['2024-01-01 00:00:00+00'], rid: '42' }, 'search-a')}A`],
    ['not canonical (2)', `${encodeCursor({ direction: 'next', values: ['2024-01-01 00:00:00+00'], rid: '4' }, 'search-a')}A`],
  ])('refuses a cursor that is %s (400)', (_what, raw) => {
    expect(() => decodeCursor(raw, 'search-a', [lu])).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('is a row comparison when no key can be NULL and all run one way', () => {
    const e = keysetCondition([lu], ridDesc, { direction: 'next', values: ['t'], rid: '9' });
    expect(toSql(e)).toEqual({ text: '(r.last_updated, r.rid) < ($1::timestamptz, $2::bigint)', values: ['t', '9'] });
    expect(toSql(keysetCondition([lu], ridDesc, { direction: 'previous', values: ['t'], rid: '9' })).text).toBe('(r.last_updated, r.rid) > ($1::timestamptz, $2::bigint)');
    expect(toSql(keysetCondition([], ridAsc, { direction: 'next', values: [], rid: '9' })).text).toBe('(r.rid) > ($1::bigint)');
  });

  it('expands to OR form with NULLs last when a key can be NULL', () => {
    const k = '(SELECT x.norm FROM sp_string x)';
    const next = toSql(keysetCondition([name], ridAsc, { direction: 'next', values: ['b'], rid: '9' })).text;
    expect(next).toBe(`(${k} > $1::text OR ${k} IS NULL OR (${k} = $2::text AND r.rid > $3::bigint))`);
    const afterNull = toSql(keysetCondition([name], ridAsc, { direction: 'next', values: [null], rid: '9' })).text;
    expect(afterNull).toBe(`(false OR (${k} IS NULL AND r.rid > $1::bigint))`);
    const beforeNull = toSql(keysetCondition([name], ridAsc, { direction: 'previous', values: [null], rid: '9' })).text;
    expect(beforeNull).toBe(`(${k} IS NOT NULL OR (${k} IS NULL AND r.rid < $1::bigint))`);
  });
});

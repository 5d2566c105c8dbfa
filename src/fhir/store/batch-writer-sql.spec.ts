import { boundedSql, NEW_ONLY_SQL } from './batch-writer';
import { ridRange } from './partition-key';

describe('the write statements', () => {
  const params = (sql: string) => [...new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);

  it('creates only: no UPDATE, no DELETE, the same 63 parameters (the unused ones typed, not read)', () => {
    expect(NEW_ONLY_SQL).not.toMatch(/UPDATE resource|DELETE FROM/);
    for (const t of ['resource_key', 'resource ', 'resource_version', 'sp_token', 'sp_string', 'sp_date', 'sp_reference', 'sp_quantity', 'sp_number', 'sp_uri', 'resource_compartment', 'resource_moved']) {
      expect(NEW_ONLY_SQL).toContain(`INSERT INTO ${t}`);
    }
    expect(params(NEW_ONLY_SQL)).toEqual(Array.from({ length: 63 }, (_, i) => i + 1));
  });

  it('updates: the UPDATE and every DELETE bounded by literal rid ranges of the partitions touched', () => {
    const one = boundedSql([3]);
    const { lo, hi } = ridRange(3);
    expect(one.match(/DELETE FROM/g)).toHaveLength(8);
    expect(one.match(new RegExp(`rid >= ${lo} AND (r\\.)?rid < ${hi}`, 'g'))).toHaveLength(9);
    expect(params(one)).toEqual(Array.from({ length: 63 }, (_, i) => i + 1));
    const legacyAndTwo = boundedSql([-1, 2, 5]);
    expect(legacyAndTwo).toContain('(rid < 281474976710656 OR (rid >= ');
    expect(legacyAndTwo).toContain(`rid >= ${ridRange(5).lo}`);
  });
});

import { StatementNames } from './statement-names';

describe('StatementNames', () => {
  it('gives one stable name per SQL text, the same in every process', () => {
    const a = new StatementNames('kt_t');
    const b = new StatementNames('kt_t');
    const q1 = 'SELECT 1 WHERE $1 = $2';
    const q2 = 'SELECT 2 WHERE $1 = $2';
    expect(a.nameOf(q1)).toMatch(/^kt_t_[0-9a-f]{20}$/);
    expect(a.nameOf(q1)).toBe(a.nameOf(q1));
    expect(a.nameOf(q1)).toBe(b.nameOf(q1));
    expect(a.nameOf(q2)).not.toBe(a.nameOf(q1));
    expect(a.size).toBe(2);
  });

  it('names only the first shapes it meets, and keeps naming those', () => {
    const names = new StatementNames('kt_t', 2);
    const first = names.nameOf('SELECT 1');
    names.nameOf('SELECT 2');
    expect(names.nameOf('SELECT 3')).toBeUndefined();
    expect(names.nameOf('SELECT 1')).toBe(first);
    expect(names.size).toBe(2);
  });
});

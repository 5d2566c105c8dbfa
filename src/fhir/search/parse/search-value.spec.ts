import { parseSearchNumber, splitEscaped, splitPrefix, unescape } from './search-value';

describe('search values (R4 search.html#escaping, #prefix, #number)', () => {
  it('splits on unescaped separators only and unescapes afterwards', () => {
    expect(splitEscaped('a,b\\,c,d', ',')).toEqual(['a', 'b\\,c', 'd']);
    expect(splitEscaped('sys\\|x|code', '|').map(unescape)).toEqual(['sys|x', 'code']);
    expect(splitEscaped('a\\\\,b', ',')).toEqual(['a\\\\', 'b']);
    expect(unescape('a\\$b\\\\c')).toBe('a$b\\c');
  });

  it('reads a prefix only before something number-like', () => {
    expect(splitPrefix('ge2020')).toEqual({ prefix: 'ge', rest: '2020' });
    expect(splitPrefix('ap-1.5')).toEqual({ prefix: 'ap', rest: '-1.5' });
    expect(splitPrefix('2020')).toEqual({ prefix: 'eq', rest: '2020' });
    expect(splitPrefix('gender')).toEqual({ prefix: 'eq', rest: 'gender' });
  });

  it('gives a number its implicit precision range', () => {
    expect(parseSearchNumber('100', 'x')).toEqual({ text: '100', half: '0.5' });
    expect(parseSearchNumber('100.00', 'x')).toEqual({ text: '100.00', half: '0.005' });
    expect(parseSearchNumber('1e2', 'x')).toEqual({ text: '1e2', half: '50' });
    expect(parseSearchNumber('-.5', 'x')).toEqual({ text: '-0.5', half: '0.05' });
    expect(parseSearchNumber('1.5e-3', 'x')).toEqual({ text: '1.5e-3', half: '0.00005' });
  });

  it.each(['', 'abc', 'NaN', 'Infinity', '1e', '1e99999', '--1', '1.2.3', '0x10', '.', '1'.repeat(65)])('refuses %p (400)', (v) => {
    expect(() => parseSearchNumber(v, 'x')).toThrow(expect.objectContaining({ status: 400 }));
  });
});

import { copyText, copyValue } from './copy-writer';

describe('COPY text format', () => {
  it('writes NULL, booleans, numbers and text as PostgreSQL reads them', () => {
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue(undefined)).toBe('\\N');
    expect(copyValue(true)).toBe('t');
    expect(copyValue(false)).toBe('f');
    expect(copyValue(42)).toBe('42');
    expect(copyValue('{"a":"b"}')).toBe('{"a":"b"}');
  });

  it('escapes backslash, newline, carriage return and tab, and nothing else', () => {
    expect(copyValue('{"note":"say \\"hi\\""}')).toBe('{"note":"say \\\\"hi\\\\""}');
    expect(copyValue('a\nb\rc\td\\N')).toBe('a\\nb\\rc\\td\\\\N');
    expect(copyValue('Иванова, Мария\u2028')).toBe('Иванова, Мария\u2028');
  });

  it('joins columns into tab-separated lines', () => {
    const text = [...copyText([['1', '2'], ['Patient', 'Observation'], [null, 'x\ty']])].join('');
    expect(text).toBe('1\tPatient\t\\N\n2\tObservation\tx\\ty\n');
  });
});

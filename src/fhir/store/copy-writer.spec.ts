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
    const text = Buffer.concat(copyText([['1', '2'], ['Patient', 'Observation'], [null, 'x\ty'], [true, false]])).toString();
    expect(text).toBe('1\tPatient\t\\N\tt\n2\tObservation\tx\\ty\tf\n');
  });

  it('spreads long text over several buffers without splitting or losing a byte', () => {
    const big = 'Ж'.repeat(700_000); // 1.4 MB of UTF-8: longer than one buffer
    const ids = Array.from({ length: 3000 }, (_, i) => String(i));
    const texts = ids.map((i) => `запись ${i} `.repeat(40));
    texts[1500] = big;
    const out = copyText([ids, texts]);
    expect(out.length).toBeGreaterThan(2);
    expect(Buffer.concat(out).toString()).toBe(ids.map((id, i) => `${id}\t${texts[i]}\n`).join(''));
  });
});

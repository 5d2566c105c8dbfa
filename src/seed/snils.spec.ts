import fc from 'fast-check';
import { formatSnils, isValidSnils, scatter, SNILS_BLOCKS, snilsChecksum, snilsFromNumber, uniqueSnils } from './snils';

/** The check number before it is written as two digits: the sum reduced modulo 101, 100 -> 0. */
function weightedSum(nine: string): number {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(nine[i]) * (9 - i);
  return sum;
}

describe('snilsChecksum', () => {
  it.each([
    ['112233445', '95'], // sum 95 < 100: the sum itself
    ['002000001', '15'], // sum 15: written with a leading zero
    ['920000100', '00'], // sum 100
    ['920000101', '00'], // sum 101
    ['920000102', '01'], // sum 102 -> 102 mod 101
    ['996000006', '00'], // sum 201 -> remainder 100 -> 00
    ['996000007', '00'], // sum 202 -> remainder 0
    ['996000008', '01'], // sum 203
    ['987654321', '83'], // sum 285 -> 83
    ['999999999', '01'], // sum 405, the largest possible -> 1
  ])('%s -> %s', (nine, check) => {
    expect(snilsChecksum(nine)).toBe(check);
  });

  it('rejects anything but nine digits', () => {
    expect(() => snilsChecksum('12345678')).toThrow('exactly 9 digits');
    expect(() => snilsChecksum('12345678a')).toThrow('exactly 9 digits');
  });
});

describe('isValidSnils', () => {
  it('accepts a correct number and rejects a wrong check', () => {
    expect(isValidSnils('11223344595')).toBe(true);
    expect(isValidSnils('11223344594')).toBe(false);
  });

  it('accepts only 11 plain digits (the stored form)', () => {
    expect(isValidSnils('112-233-445 95')).toBe(false);
    expect(isValidSnils('1122334459')).toBe(false);
    expect(isValidSnils('112233445950')).toBe(false);
  });

  it('does not check numbers up to 001-001-998, issued before the rule', () => {
    expect(isValidSnils('00100199800')).toBe(true);
    expect(isValidSnils('00100199842')).toBe(true);
    expect(isValidSnils('00000000017')).toBe(true);
    // 001-001-999 is the first checked number; its check is 7 + 4 + 27 + 18 + 9 = 65.
    expect(isValidSnils('00100199965')).toBe(true);
    expect(isValidSnils('00100199900')).toBe(false);
  });

  it('has a blind spot the rule itself creates: sums 100 and 101 share the check 00', () => {
    expect(isValidSnils('92000010000')).toBe(true);
    expect(isValidSnils('92000010100')).toBe(true);
  });
});

describe('SNILS properties', () => {
  const checked = fc.integer({ min: 1_001_999, max: 999_999_999 });

  it('every generated number passes validation', () => {
    fc.assert(fc.property(checked, (n) => isValidSnils(snilsFromNumber(n))));
  });

  it('changing one check digit is always detected', () => {
    fc.assert(fc.property(checked, fc.integer({ min: 9, max: 10 }), fc.integer({ min: 1, max: 9 }), (n, pos, delta) => {
      const s = snilsFromNumber(n);
      const mutated = s.slice(0, pos) + String((Number(s[pos]) + delta) % 10) + s.slice(pos + 1);
      return !isValidSnils(mutated);
    }));
  });

  it('changing one account digit is detected unless the sums are 0 and 100 modulo 101 or it leaves the checked range', () => {
    fc.assert(fc.property(checked, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 9 }), (n, pos, delta) => {
      const s = snilsFromNumber(n);
      const mutated = s.slice(0, pos) + String((Number(s[pos]) + delta) % 10) + s.slice(pos + 1);
      const before = weightedSum(s.slice(0, 9)) % 101;
      const after = weightedSum(mutated.slice(0, 9)) % 101;
      const bothZeroCheck = (before === 0 || before === 100) && (after === 0 || after === 100);
      const unchecked = Number(mutated.slice(0, 9)) <= 1_001_998;
      return isValidSnils(mutated) === (bothZeroCheck || unchecked);
    }), { numRuns: 2000 });
  });

  it('uniqueSnils gives distinct numbers for distinct indices within a block and salt', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: SNILS_BLOCKS.patients.size - 1 }), { minLength: 2, maxLength: 50 }),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }), (indices, salt) => {
        const values = indices.map((i) => uniqueSnils(i, SNILS_BLOCKS.patients, salt));
        return new Set(values).size === indices.length && values.every(isValidSnils);
      }));
  });

  it('scatter stays inside its block', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: SNILS_BLOCKS.demo.size - 1 }), fc.nat(), (i, salt) => {
      const v = scatter(i, SNILS_BLOCKS.demo, salt);
      return v >= SNILS_BLOCKS.demo.base && v < SNILS_BLOCKS.demo.base + SNILS_BLOCKS.demo.size;
    }));
    expect(() => scatter(SNILS_BLOCKS.demo.size, SNILS_BLOCKS.demo, 0)).toThrow('index outside block');
  });
});

it('formatSnils prints the document form', () => {
  expect(formatSnils('11223344595')).toBe('112-233-445 95');
});

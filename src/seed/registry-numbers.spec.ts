import fc from 'fast-check';
import { isOmsNumberFormat, OMS_BLOCKS, uniqueOmsNumber } from './oms';
import { isValidOgrn, moscowOgrn, ogrnCheckDigit } from './ogrn';

describe('OGRN', () => {
  it('checks a real registration number (Sberbank, 1027700132195)', () => {
    expect(ogrnCheckDigit('102770013219')).toBe('5');
    expect(isValidOgrn('1027700132195')).toBe(true);
    expect(isValidOgrn('1027700132194')).toBe(false);
  });

  it('generates valid Moscow numbers', () => {
    expect(moscowOgrn(3, 42)).toMatch(/^103770000042\d$/);
    fc.assert(fc.property(fc.integer({ min: 0, max: 99 }), fc.nat(), (y, s) => isValidOgrn(moscowOgrn(y, s))));
  });
});

describe('OMS policy number', () => {
  it('has 16 digits', () => {
    expect(uniqueOmsNumber(0, OMS_BLOCKS.demo)).toHaveLength(16);
    expect(isOmsNumberFormat(uniqueOmsNumber(12345, OMS_BLOCKS.patients, 99))).toBe(true);
    expect(isOmsNumberFormat('77123')).toBe(false);
  });

  it('never repeats within a block, and demo and patient blocks never overlap', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1e9 }), { minLength: 2, maxLength: 40 }), fc.nat(), (indices, salt) => {
      const patients = indices.map((i) => uniqueOmsNumber(i, OMS_BLOCKS.patients, salt));
      const demo = indices.filter((i) => i < OMS_BLOCKS.demo.size).map((i) => uniqueOmsNumber(i, OMS_BLOCKS.demo, salt));
      return new Set([...patients, ...demo]).size === patients.length + demo.length;
    }));
  });
});

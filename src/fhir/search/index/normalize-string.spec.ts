import { fitIndexed } from './index-limits';
import { normalizeString } from './normalize-string';

describe('normalizeString', () => {
  it.each([
    ['Иванов', 'иванов'],
    ['Ёлкина', 'елкина'],
    ['ЁЛКИНА', 'елкина'],
    ['Dvořák', 'dvorak'],
    ['Zoë  Saldaña\t', 'zoe saldana'],
    ['  Anna\n Maria ', 'anna maria'],
    ['İstanbul', 'istanbul'],
    ['ﬁle', 'file'],
    ['', ''],
  ])('%j -> %j', (input, expected) => {
    expect(normalizeString(input)).toBe(expected);
  });
});

describe('fitIndexed', () => {
  it('keeps short values and cuts long ones', () => {
    expect(fitIndexed('abc', 3)).toBe('abc');
    expect(fitIndexed('abcd', 3)).toBe('abc');
  });

  it('never ends in half a surrogate pair', () => {
    expect(fitIndexed('ab😀c', 3)).toBe('ab');
    expect(fitIndexed('ab😀c', 4)).toBe('ab😀');
  });
});

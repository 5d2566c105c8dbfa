import { identityRows, normalizeIdentityValue } from './patient-identity';

const SNILS = 'urn:oid:1.2.643.100.3';
const OMS = 'urn:oid:1.2.643.2.69.1.1.1.6.228';
const SYSTEMS = new Set([SNILS, OMS]);

describe('identityRows', () => {
  it('takes the SNILS and OMS identifiers, normalised, once each', () => {
    expect(
      identityRows(
        {
          resourceType: 'Patient',
          identifier: [
            { system: SNILS, value: '112-233-445 95' },
            { system: SNILS, value: '11223344595' },
            { system: OMS, value: '7798 2997 6800 0012' },
            { system: 'urn:clinic:mrn', value: 'A-1' },
            { value: '11223344595' },
            { system: SNILS },
            { system: OMS, value: ' - ' },
            null,
          ],
        },
        SYSTEMS,
      ),
    ).toEqual([
      { system: SNILS, value: '11223344595' },
      { system: OMS, value: '7798299768000012' },
    ]);
  });

  it('gives none for an inactive Patient, or one without identifiers', () => {
    const identifier = [{ system: SNILS, value: '11223344595' }];
    expect(identityRows({ active: false, identifier }, SYSTEMS)).toEqual([]);
    expect(identityRows({ active: true, identifier }, SYSTEMS)).toHaveLength(1);
    expect(identityRows({ identifier }, SYSTEMS)).toHaveLength(1);
    expect(identityRows({ identifier: 'x' }, SYSTEMS)).toEqual([]);
    expect(identityRows(undefined, SYSTEMS)).toEqual([]);
  });

  it('normalises spaces (also no-break), tabs and hyphens only', () => {
    expect(normalizeIdentityValue('112-233-445\u00a095\t')).toBe('11223344595');
    expect(normalizeIdentityValue('112.233.445/95')).toBe('112.233.445/95');
  });
});

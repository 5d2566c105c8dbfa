import { jaroWinkler, scoreMatch } from './patient-match-score';

const SNILS = 'urn:oid:1.2.643.100.3';
const OMS = 'urn:oid:1.2.643.2.69.1.1.1.6.228';
const SYSTEMS = new Set([SNILS, OMS]);

const ivanov = {
  identifier: [
    { system: SNILS, value: '11223344595' },
    { system: OMS, value: '7798299768000012' },
  ],
  name: [{ family: 'Иванов', given: ['Иван', 'Иванович'] }],
  gender: 'male',
  birthDate: '1980-04-12',
};

describe('scoreMatch', () => {
  it('SNILS or OMS in common is certain, whatever the spelling of the name', () => {
    expect(scoreMatch({ identifier: [{ system: SNILS, value: '112-233-445 95' }] }, ivanov, SYSTEMS)).toEqual({ score: 1, grade: 'certain' });
    expect(
      scoreMatch({ identifier: [{ system: OMS, value: '7798299768000012' }], name: [{ family: 'Sidorov' }] }, ivanov, SYSTEMS),
    ).toEqual({ score: 1, grade: 'certain' });
  });

  it('another number of the same system is certainly not the same person, even with the same name', () => {
    const query = { ...ivanov, identifier: [{ system: SNILS, value: '98765432100' }] };
    expect(scoreMatch(query, ivanov, SYSTEMS)).toEqual({ score: 0, grade: 'certainly-not' });
  });

  it('the same person written in Latin letters is probable', () => {
    const latin = { name: [{ family: 'Ivanov', given: ['Ivan', 'Ivanovich'] }], gender: 'male', birthDate: '1980-04-12' };
    expect(scoreMatch(latin, ivanov, SYSTEMS)).toEqual({ score: 0.99, grade: 'probable' });
    const noPatronymic = { name: [{ family: 'IVANOV', given: ['Ivan'] }], gender: 'male', birthDate: '1980-04-12' };
    expect(scoreMatch(noPatronymic, ivanov, SYSTEMS)).toEqual({ score: 0.9, grade: 'probable' });
  });

  it('variant Latin spellings meet the Cyrillic name', () => {
    const natalia = { name: [{ family: 'Соловьёва', given: ['Наталья', 'Юрьевна'] }], gender: 'female', birthDate: '1975-01-30' };
    const query = { name: [{ family: 'Solovyova', given: ['Natalya', 'Yurievna'] }], gender: 'female', birthDate: '1975-01-30' };
    expect(scoreMatch(query, natalia, SYSTEMS).grade).toBe('probable');
  });

  it('a name with a typing slip in the birth date, or an initial, is still a candidate', () => {
    const slip = { name: [{ family: 'Иванов', given: ['Иван', 'Иванович'] }], gender: 'male', birthDate: '1980-12-04' };
    expect(scoreMatch(slip, ivanov, SYSTEMS)).toEqual({ score: 0.85, grade: 'probable' });
    const initial = { name: [{ family: 'Иванов', given: ['И.'] }], birthDate: '1980-04-12' };
    expect(scoreMatch(initial, ivanov, SYSTEMS)).toEqual({ score: 0.72, grade: 'possible' });
  });

  it('family name and birth date alone are possible; a namesake of another birth date is not a match', () => {
    expect(scoreMatch({ name: [{ family: 'Ivanov' }], birthDate: '1980-04-12' }, ivanov, SYSTEMS)).toEqual({ score: 0.6, grade: 'possible' });
    const namesake = { name: [{ family: 'Иванов', given: ['Иван'] }], gender: 'male', birthDate: '1991-07-02' };
    expect(scoreMatch(namesake, ivanov, SYSTEMS)).toEqual({ score: 0.3, grade: 'certainly-not' });
    const other = { name: [{ family: 'Петров', given: ['Пётр'] }], gender: 'male', birthDate: '1980-04-12' };
    expect(scoreMatch(other, ivanov, SYSTEMS)).toEqual({ score: 0.4, grade: 'certainly-not' });
  });

  it('a different gender counts against', () => {
    const query = { name: [{ family: 'Иванов', given: ['Иван', 'Иванович'] }], gender: 'female', birthDate: '1980-04-12' };
    expect(scoreMatch(query, ivanov, SYSTEMS)).toEqual({ score: 0.7, grade: 'possible' });
  });

  it('a shared identifier of another system is at least probable', () => {
    const candidate = { ...ivanov, identifier: [{ system: 'urn:clinic:mrn', value: 'A-1' }] };
    expect(scoreMatch({ identifier: [{ system: 'urn:clinic:mrn', value: 'A-1' }] }, candidate, SYSTEMS)).toEqual({
      score: 0.9,
      grade: 'probable',
    });
  });

  it('survives junk in either Patient', () => {
    expect(scoreMatch({ name: 'x', identifier: {}, birthDate: 5 }, { name: [null, { given: [1] }] }, SYSTEMS)).toEqual({
      score: 0,
      grade: 'certainly-not',
    });
  });
});

describe('jaroWinkler', () => {
  it('has the textbook values', () => {
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.961, 3);
    expect(jaroWinkler('dwayne', 'duane')).toBeCloseTo(0.84, 2);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('same', 'same')).toBe(1);
  });
});

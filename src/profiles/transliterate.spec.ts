import { cyrillicGuess, nameKey, transliterate } from './transliterate';

describe('transliterate (ICAO Doc 9303)', () => {
  it.each([
    ['Иванов', 'ivanov'],
    ['Щукин', 'shchukin'],
    ['Хабибуллина', 'khabibullina'],
    ['Цой', 'tsoi'],
    ['Юлия', 'iuliia'],
    ['Ёлкина', 'elkina'],
    ['Подъячев', 'podieiachev'],
    ['Ильич', 'ilich'],
    ['Ivanov', 'ivanov'],
  ])('%s -> %s', (cyrillic, latin) => {
    expect(transliterate(cyrillic)).toBe(latin);
  });
});

describe('nameKey: one key for the spellings of one name', () => {
  it.each([
    ['Иванов', 'Ivanov'],
    ['Юрий', 'Yuriy'],
    ['Юрий', 'Iurii'],
    ['Юрий', 'Jurij'],
    ['Алексей', 'Alexey'],
    ['Алексей', 'Aleksei'],
    ['Наталья', 'Natalia'],
    ['Дмитрий', 'Dmitry'],
    ['Хабибуллин', 'Habibullin'],
    ['Елена', 'Yelena'],
    ['Сергеевич', 'Sergeyevich'],
    ['Щербакова', 'Shcherbakova'],
  ])('%s ~ %s', (a, b) => {
    expect(nameKey(a)).toBe(nameKey(b));
  });

  it('keeps different names apart', () => {
    expect(nameKey('Иванов')).not.toBe(nameKey('Ivanova'));
    expect(nameKey('Петров')).not.toBe(nameKey('Petrenko'));
  });
});

describe('cyrillicGuess', () => {
  it.each([
    ['Ivanov', 'иванов'],
    ['Kuznetsova', 'кузнецова'],
    ['Yakovlev', 'яковлев'],
    ['Zhukov', 'жуков'],
    ['Khabibullin', 'хабибуллин'],
    ['Shchukin', 'щукин'],
    ['Dmitriy', 'дмитрии'],
    ['Vysotskiy', 'высоцкии'],
  ])('%s -> %s (normalized)', (latin, guess) => {
    expect(cyrillicGuess(latin)).toBe(guess);
  });

  it('guesses only for Latin', () => {
    expect(cyrillicGuess('Иванов')).toBeUndefined();
    expect(cyrillicGuess('Ivanov2')).toBeUndefined();
  });
});

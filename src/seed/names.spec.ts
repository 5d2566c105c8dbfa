import { humanName, randomRussianName, surnameFor } from './names';
import { Prng } from './prng';

describe('surnameFor', () => {
  it.each([
    ['Иванов', 'Иванова'], ['Соловьёв', 'Соловьёва'], ['Ильин', 'Ильина'], ['Островский', 'Островская'],
    ['Белецкий', 'Белецкая'], ['Толстой', 'Толстая'], ['Шевченко', 'Шевченко'], ['Черных', 'Черных'],
  ])('%s -> %s for a woman', (male, female) => {
    expect(surnameFor(male, 'female')).toBe(female);
    expect(surnameFor(male, 'male')).toBe(male);
  });
});

describe('humanName', () => {
  it('puts the patronymic second in given and keeps the Russian order in text', () => {
    expect(humanName({ family: 'Петрова', given: 'Анна', patronymic: 'Сергеевна' })).toEqual({
      use: 'official', text: 'Петрова Анна Сергеевна', family: 'Петрова', given: ['Анна', 'Сергеевна'],
    });
  });

  it('gives women feminine patronymics and men masculine ones', () => {
    const prng = new Prng(3);
    for (let i = 0; i < 200; i++) {
      expect(randomRussianName(prng, 'female').patronymic).toMatch(/(вна|чна)$/);
      expect(randomRussianName(prng, 'male').patronymic).toMatch(/(вич|ич)$/);
    }
  });
});

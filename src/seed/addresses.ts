import type { Address, ContactPoint } from '@medplum/fhirtypes';
import type { Prng } from './prng';

/**
 * Moscow addresses and phone numbers. Streets are grouped by administrative okrug with a postal
 * code prefix and an approximate centre, so a patient's home, polyclinic and its coordinates agree.
 */

interface Okrug {
  name: string;
  /** First four digits of the okrug's postal codes (Moscow codes are 10xxxx-12xxxx). */
  postal: string;
  lat: number;
  lon: number;
  streets: readonly string[];
}

const OKRUGS: readonly Okrug[] = [
  { name: 'ЦАО', postal: '1090', lat: 55.752, lon: 37.617, streets: ['ул. Тверская', 'ул. Маросейка', 'ул. Большая Ордынка', 'ул. Покровка', 'Новослободская ул.'] },
  { name: 'САО', postal: '1252', lat: 55.838, lon: 37.525, streets: ['Ленинградское ш.', 'ул. Зои и Александра Космодемьянских', 'Дмитровское ш.', 'ул. Флотская'] },
  { name: 'СВАО', postal: '1272', lat: 55.855, lon: 37.633, streets: ['ул. Милашенкова', 'Алтуфьевское ш.', 'ул. Бестужевых', 'ул. Декабристов'] },
  { name: 'ВАО', postal: '1054', lat: 55.787, lon: 37.775, streets: ['Щёлковское ш.', 'ул. Первомайская', 'ул. Уральская', 'Измайловский пр-т'] },
  { name: 'ЮВАО', postal: '1094', lat: 55.692, lon: 37.754, streets: ['Волгоградский пр-т', 'ул. Люблинская', 'Рязанский пр-т', 'ул. Марьинский Парк'] },
  { name: 'ЮАО', postal: '1155', lat: 55.622, lon: 37.678, streets: ['Каширское ш.', 'ул. Кантемировская', 'Варшавское ш.', 'ул. Борисовские Пруды'] },
  { name: 'ЮЗАО', postal: '1174', lat: 55.663, lon: 37.512, streets: ['Ленинский пр-т', 'ул. Профсоюзная', 'ул. Миклухо-Маклая', 'ул. Академика Волгина'] },
  { name: 'ЗАО', postal: '1195', lat: 55.728, lon: 37.443, streets: ['Кутузовский пр-т', 'Мичуринский пр-т', 'ул. Василисы Кожиной', 'Можайское ш.'] },
  { name: 'СЗАО', postal: '1233', lat: 55.829, lon: 37.452, streets: ['ул. Маршала Бирюзова', 'Волоколамское ш.', 'ул. Свободы', 'ул. Народного Ополчения'] },
  { name: 'ЗелАО', postal: '1244', lat: 55.987, lon: 37.194, streets: ['Панфиловский пр-т', 'Солнечная аллея', 'Георгиевский пр-т'] },
];

export const OKRUG_COUNT = OKRUGS.length;

export interface Place {
  address: Address;
  lat: number;
  lon: number;
}

/** An address in okrug `okrug` (index modulo the okrug list); `apartment` false for institutions. */
export function moscowPlace(prng: Prng, okrug: number, apartment: boolean): Place {
  const o = OKRUGS[okrug % OKRUGS.length];
  const street = prng.pick(o.streets);
  const house = prng.int(1, 120);
  const building = prng.chance(0.25) ? `, корп. ${prng.int(1, 5)}` : '';
  const flat = apartment ? `, кв. ${prng.int(1, 280)}` : '';
  const line = `${street}, д. ${house}${building}${flat}`;
  const postalCode = `${o.postal}${String(prng.int(0, 99)).padStart(2, '0')}`;
  return {
    address: {
      use: apartment ? 'home' : 'work',
      type: 'physical',
      text: `${postalCode}, г. Москва, ${line}`,
      line: [line],
      city: 'Москва',
      district: o.name,
      postalCode,
      country: 'RU',
    },
    lat: Math.round((o.lat + prng.range(-0.03, 0.03)) * 1e6) / 1e6,
    lon: Math.round((o.lon + prng.range(-0.05, 0.05)) * 1e6) / 1e6,
  };
}

/** A Russian mobile number in the E.164-like written form "+7 9XX XXX-XX-XX". */
export function mobilePhone(prng: Prng): ContactPoint {
  const d = (n: number) => String(prng.int(0, 10 ** n - 1)).padStart(n, '0');
  return { system: 'phone', value: `+7 9${d(2)} ${d(3)}-${d(2)}-${d(2)}`, use: 'mobile' };
}

/** A Moscow landline (area code 495 or 499) for institutions. */
export function officePhone(prng: Prng): ContactPoint {
  const d = (n: number) => String(prng.int(0, 10 ** n - 1)).padStart(n, '0');
  return { system: 'phone', value: `+7 ${prng.chance(0.5) ? '495' : '499'} ${d(3)}-${d(2)}-${d(2)}`, use: 'work' };
}

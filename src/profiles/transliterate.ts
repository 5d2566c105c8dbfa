import { normalizeString } from '../fhir/search/index/normalize-string';

/**
 * Russian Cyrillic to Latin after ICAO Doc 9303 (2015), the table of Russian international
 * passports since 2014 (е/ё/э -> e, й -> i, х -> kh, ц -> ts, щ -> shch, ъ -> ie, ы -> y, ь dropped,
 * ю -> iu, я -> ia), applied after normalizeString, which already folds ё to е and й to и.
 */
const ICAO: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ж: 'zh', з: 'z', и: 'i', к: 'k', л: 'l', м: 'm',
  н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh',
  щ: 'shch', ъ: 'ie', ы: 'y', ь: '', э: 'e', ю: 'iu', я: 'ia', і: 'i', ї: 'i', є: 'ie', ґ: 'g',
};

export function transliterate(value: string): string {
  let out = '';
  for (const ch of normalizeString(value)) out += ICAO[ch] ?? ch;
  return out;
}

/**
 * The key two spellings of one name share: the ICAO transliteration, then the variants Latin
 * spellings of Russian names take folded together (Yuriy/Iurii/Jurij, Aleksey/Alexey, Natalya/
 * Natalia, Sergeyevich/Sergeevich, Khabibullin/Habibullin), doubled letters and everything but letters dropped.
 * "Иванов" and "Ivanov" both give "ivanov"; "Юрий" and "Yuriy" both give "iuri".
 */
export function nameKey(value: string): string {
  return transliterate(value)
    .replace(/[^a-z]/g, '')
    .replace(/x/g, 'ks')
    .replace(/w/g, 'v')
    .replace(/[jy]/g, 'i')
    .replace(/kh/g, 'h')
    .replace(/ph/g, 'f')
    .replace(/^ie/, 'e')
    .replace(/([aeiou])ie/g, '$1e')
    .replace(/(.)\1+/g, '$1');
}

/** Latin to Cyrillic, longest match first: one likely Russian spelling of a Latin name. */
const REVERSE: [RegExp, string][] = [
  [/shch|sch/g, 'щ'],
  [/tz|ts/g, 'ц'],
  [/(ski|sk|ck)(y|iy|ii|ij)$/g, 'ский'],
  [/(iy|ii|ij)$/g, 'ий'],
  [/yy$/g, 'ый'],
  [/zh/g, 'ж'],
  [/kh/g, 'х'],
  [/ch/g, 'ч'],
  [/sh/g, 'ш'],
  [/yu|iu|ju/g, 'ю'],
  [/ya|ia|ja/g, 'я'],
  [/yo|jo/g, 'е'],
  [/^ye/g, 'е'],
  [/([aeiouаеиоуюяэы])y/g, '$1й'],
  [/x/g, 'кс'],
];

const LATIN: Record<string, string> = {
  a: 'а', b: 'б', c: 'к', d: 'д', e: 'е', f: 'ф', g: 'г', h: 'х', i: 'и', j: 'й', k: 'к', l: 'л',
  m: 'м', n: 'н', o: 'о', p: 'п', q: 'к', r: 'р', s: 'с', t: 'т', u: 'у', v: 'в', w: 'в', y: 'ы', z: 'з',
  "'": 'ь',
};

/**
 * A guess at the Cyrillic spelling of a Latin name, to look candidates up in the string index
 * (which holds names as written); the guess need not be right, since scoring compares nameKeys.
 * Undefined when the value is not Latin.
 */
export function cyrillicGuess(value: string): string | undefined {
  const norm = normalizeString(value);
  if (!/^[a-z' -]+$/.test(norm)) return undefined;
  let s = norm;
  for (const [pattern, replacement] of REVERSE) s = s.replace(pattern, replacement);
  let out = '';
  for (const ch of s) out += LATIN[ch] ?? ch;
  return normalizeString(out);
}

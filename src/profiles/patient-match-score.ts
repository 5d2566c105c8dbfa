import { identityRows } from './patient-identity';
import { nameKey } from './transliterate';

/** http://hl7.org/fhir/StructureDefinition/match-grade (R4 patient-operation-match). */
export type MatchGrade = 'certain' | 'probable' | 'possible' | 'certainly-not';

export interface MatchResult {
  /** 0..1; 1 only for a certain match. */
  score: number;
  grade: MatchGrade;
}

/** The parts of a Patient scoring reads; both the query Patient and stored ones are untrusted JSON. */
export interface PatientLike {
  identifier?: unknown;
  name?: unknown;
  birthDate?: unknown;
  gender?: unknown;
}

/**
 * Weights of the demographic evidence; they add up to 1. A part missing on either side counts
 * nothing (neither for nor against), so a match on family name and birth date alone stays possible.
 */
const WEIGHTS = { family: 0.3, given: 0.2, patronymic: 0.1, birthDate: 0.3, gender: 0.1 };
/** A stated gender that differs is evidence against; so is a full birth date that differs beyond a slip. */
const GENDER_CONFLICT = 0.2;
const BIRTH_DATE_CONFLICT = 0.3;
/** A shared identifier of another system (a clinic's record number) makes a match at least probable. */
const OTHER_IDENTIFIER_FLOOR = 0.9;
const PROBABLE = 0.85;
const POSSIBLE = 0.6;

/**
 * How well a stored Patient matches the Patient a client is looking for (R4
 * patient-operation-match: the server's own algorithm, graded by the match-grade extension):
 * - a SNILS or OMS number in common: certain (each belongs to one person: the identity table);
 * - both hold a number of one of those systems and none in common: certainly-not;
 * - else a weighted score of family name, first name, patronymic (names compared by nameKey, so
 *   Cyrillic and Latin spellings meet), birth date and gender, less what contradicts (another
 *   gender, another birth date): >= 0.85 probable, >= 0.6 possible, below that left out.
 */
export function scoreMatch(query: PatientLike, candidate: PatientLike, identitySystems: ReadonlySet<string>): MatchResult {
  const wanted = identityRows({ identifier: query.identifier }, identitySystems);
  const held = identityRows({ identifier: candidate.identifier }, identitySystems);
  if (wanted.some((w) => held.some((h) => h.system === w.system && h.value === w.value))) {
    return { score: 1, grade: 'certain' };
  }
  const bothHold = wanted.some((w) => held.some((h) => h.system === w.system));
  if (bothHold) return { score: 0, grade: 'certainly-not' };

  const a = nameParts(query.name);
  const b = nameParts(candidate.name);
  let score =
    WEIGHTS.family * bestSimilarity(a.families, b.families) +
    WEIGHTS.given * bestSimilarity(a.givens, b.givens) +
    WEIGHTS.patronymic * bestSimilarity(a.patronymics, b.patronymics) +
    birthDateScore(query.birthDate, candidate.birthDate);
  if (typeof query.gender === 'string' && typeof candidate.gender === 'string') {
    score += query.gender === candidate.gender ? WEIGHTS.gender : -GENDER_CONFLICT;
  }
  if (sharesOtherIdentifier(query.identifier, candidate.identifier, identitySystems)) {
    score = Math.max(score, OTHER_IDENTIFIER_FLOOR);
  }
  score = Math.round(Math.min(0.99, Math.max(0, score)) * 100) / 100;
  return { score, grade: score >= PROBABLE ? 'probable' : score >= POSSIBLE ? 'possible' : 'certainly-not' };
}

interface NameParts {
  families: string[];
  /** First given names; a bare initial ("И." or "I") is kept as one letter. */
  givens: string[];
  /** Second given names: the patronymic in the Russian order. */
  patronymics: string[];
}

export function nameParts(names: unknown): NameParts {
  const out: NameParts = { families: [], givens: [], patronymics: [] };
  if (!Array.isArray(names)) return out;
  for (const n of names as { family?: unknown; given?: unknown }[]) {
    if (typeof n !== 'object' || n === null) continue;
    if (typeof n.family === 'string' && nameKey(n.family)) out.families.push(nameKey(n.family));
    const given = Array.isArray(n.given) ? n.given.filter((g): g is string => typeof g === 'string').map(nameKey) : [];
    if (given[0]) out.givens.push(given[0]);
    if (given[1]) out.patronymics.push(given[1]);
  }
  return out;
}

/**
 * Best credit over every pair: 1 for equal keys, 0.6 for an initial against a name with that
 * initial, else the Jaro-Winkler similarity mapped linearly from 0.8 (nothing) to 1 (everything).
 */
function bestSimilarity(as: string[], bs: string[]): number {
  let best = 0;
  for (const x of as) {
    for (const y of bs) {
      let credit: number;
      if (x === y) credit = 1;
      else if (x.length === 1 || y.length === 1) credit = x[0] === y[0] ? 0.6 : 0;
      else credit = Math.max(0, (jaroWinkler(x, y) - 0.8) / 0.2);
      best = Math.max(best, credit);
    }
  }
  return best;
}

/**
 * Full weight for the same date, half for a likely typing slip (day and month swapped, or one
 * digit of the year), a penalty for another date; nothing when either side has no full date.
 */
function birthDateScore(a: unknown, b: unknown): number {
  const full = /^\d{4}-\d{2}-\d{2}$/;
  if (typeof a !== 'string' || typeof b !== 'string' || !full.test(a) || !full.test(b)) return 0;
  if (a === b) return WEIGHTS.birthDate;
  const [ay, am, ad] = a.split('-');
  const [by, bm, bd] = b.split('-');
  if (ay === by && am === bd && ad === bm) return WEIGHTS.birthDate / 2;
  if (am === bm && ad === bd && [...ay].filter((c, i) => c !== by[i]).length === 1) return WEIGHTS.birthDate / 2;
  return -BIRTH_DATE_CONFLICT;
}

function sharesOtherIdentifier(a: unknown, b: unknown, identitySystems: ReadonlySet<string>): boolean {
  const keys = (ids: unknown): string[] =>
    Array.isArray(ids)
      ? ids.flatMap((i: { system?: unknown; value?: unknown }) =>
          typeof i?.system === 'string' && typeof i.value === 'string' && !identitySystems.has(i.system) ? [`${i.system}|${i.value}`] : [],
        )
      : [];
  const held = new Set(keys(b));
  return keys(a).some((k) => held.has(k));
}

/** Jaro-Winkler similarity (Winkler 1990), prefix scale 0.1 over at most 4 characters. */
export function jaroWinkler(s: string, t: string): number {
  if (s === t) return 1;
  if (!s.length || !t.length) return 0;
  const window = Math.max(0, Math.floor(Math.max(s.length, t.length) / 2) - 1);
  const sMatched = new Array<boolean>(s.length).fill(false);
  const tMatched = new Array<boolean>(t.length).fill(false);
  let matches = 0;
  for (let i = 0; i < s.length; i++) {
    for (let j = Math.max(0, i - window); j < Math.min(t.length, i + window + 1); j++) {
      if (tMatched[j] || s[i] !== t[j]) continue;
      sMatched[i] = tMatched[j] = true;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    if (!sMatched[i]) continue;
    while (!tMatched[j]) j++;
    if (s[i] !== t[j]) transpositions++;
    j++;
  }
  const jaro = (matches / s.length + matches / t.length + (matches - transpositions / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < Math.min(4, s.length, t.length) && s[prefix] === t[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

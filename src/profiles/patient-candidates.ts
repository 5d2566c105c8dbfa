import type { Database } from '../database/database';
import type { FhirRequestContext } from '../fhir/fhir-context';
import type { MatchCandidate, PatientCandidateSource } from '../fhir/operations/patient-match.operation';
import { dateRange } from '../fhir/search/index/date-range';
import { normalizeString } from '../fhir/search/index/normalize-string';
import { identityRows } from './patient-identity';
import type { PatientLike } from './patient-match-score';
import { cyrillicGuess, transliterate } from './transliterate';

/** Candidates scored per request, at most: a birth date shared by a city's worth of people fits. */
const CANDIDATE_LIMIT = 2000;

/**
 * The Patients worth scoring for one $match, found through the index tables only (never a scan
 * of `resource`): the same identifier (sp_token, and the normalised SNILS/OMS in
 * patient_identity), the same family name as written, transliterated or guessed back into
 * Cyrillic (sp_string, normalised as string search does), or the same birth date (sp_date, which
 * also bridges spellings no transliteration reaches). The caller's access predicate is ANDed in.
 */
export class PatientCandidates implements PatientCandidateSource {
  constructor(
    private readonly db: Database,
    private readonly identitySystems: ReadonlySet<string>,
  ) {}

  async find(ctx: FhirRequestContext, query: PatientLike): Promise<MatchCandidate[]> {
    const criteria = candidateCriteria(query, this.identitySystems);
    const values: unknown[] = [];
    const bind = (v: unknown): string => {
      values.push(v);
      return `$${values.length}`;
    };
    const sources: string[] = [];
    if (criteria.identifiers.length) {
      // Values and systems as two sets, not pairs: the index is on code, and scoring checks pairs.
      sources.push(`SELECT t.rid FROM sp_token t
        WHERE t.resource_type = 'Patient' AND t.param = 'identifier'
          AND t.code = ANY(${bind(criteria.identifiers.map((i) => i.value))}::text[])
          AND t.system = ANY(${bind(criteria.identifiers.map((i) => i.system))}::text[])`);
    }
    if (criteria.identity.length) {
      sources.push(`SELECT pi.patient_rid FROM unnest(${bind(criteria.identity.map((i) => i.system))}::text[], ${bind(criteria.identity.map((i) => i.value))}::text[]) AS q(system, value)
        JOIN patient_identity pi ON pi.system = q.system AND pi.value = q.value`);
    }
    if (criteria.families.length) {
      sources.push(`SELECT s.rid FROM sp_string s
        WHERE s.resource_type = 'Patient' AND s.param = 'family' AND s.norm = ANY(${bind(criteria.families)}::text[])`);
    }
    if (criteria.birthDate) {
      sources.push(`SELECT d.rid FROM sp_date d
        WHERE d.resource_type = 'Patient' AND d.param = 'birthdate'
          AND d.low = ${bind(criteria.birthDate.low)}::timestamptz AND d.high = ${bind(criteria.birthDate.high)}::timestamptz`);
    }
    if (sources.length === 0) return [];
    const access = ctx.accessScope?.predicate('r', bind);
    const sql = `SELECT r.rid::text AS rid, r.id, r.content FROM resource r
      WHERE r.rid IN (${sources.join('\n UNION ')})
        AND r.resource_type = 'Patient' AND NOT r.deleted${access ? ` AND (${access})` : ''}
      ORDER BY r.rid LIMIT ${bind(CANDIDATE_LIMIT)}`;
    const res = await this.db.query<{ rid: string; id: string; content: string }>(sql, values);
    return res.rows;
  }
}

export interface CandidateCriteria {
  /** As sent, for the token index (exact system and value). */
  identifiers: { system: string; value: string }[];
  /** SNILS and OMS normalised, for patient_identity. */
  identity: { system: string; value: string }[];
  /** Normalised family names: as written, transliterated to Latin, guessed back into Cyrillic. */
  families: string[];
  birthDate?: { low: Date; high: Date };
}

export function candidateCriteria(query: PatientLike, identitySystems: ReadonlySet<string>): CandidateCriteria {
  const identifiers = Array.isArray(query.identifier)
    ? (query.identifier as { system?: unknown; value?: unknown }[]).flatMap((i) =>
        typeof i?.system === 'string' && typeof i.value === 'string' && i.value ? [{ system: i.system, value: i.value }] : [],
      )
    : [];
  const families = new Set<string>();
  for (const n of Array.isArray(query.name) ? (query.name as { family?: unknown }[]) : []) {
    if (typeof n?.family !== 'string' || !n.family.trim()) continue;
    families.add(normalizeString(n.family));
    families.add(normalizeString(transliterate(n.family)));
    const guess = cyrillicGuess(n.family);
    if (guess) families.add(guess);
  }
  const day = typeof query.birthDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(query.birthDate) ? dateRange(query.birthDate) : undefined;
  return {
    identifiers,
    identity: identityRows({ identifier: query.identifier }, identitySystems),
    families: [...families].filter(Boolean),
    birthDate: day,
  };
}

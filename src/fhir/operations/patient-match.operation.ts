import { badRequest } from '../errors/fhir-error';
import type { FhirRequestContext, FhirResponse } from '../fhir-context';
import type { FhirRequest } from '../fhir-request';
import type { FhirHooks } from '../hooks/fhir-hooks';
import { bundleJson, type RawEntry } from '../http/bundle-json';
import type { FhirOperation } from './operation';

export const MATCH_GRADE_URL = 'http://hl7.org/fhir/StructureDefinition/match-grade';

export interface MatchCandidate {
  rid: string;
  id: string;
  /** Stored JSON text. */
  content: string;
}

/** Where candidates come from (src/profiles/patient-candidates.ts: the index tables, access applied). */
export interface PatientCandidateSource {
  find(ctx: FhirRequestContext, query: Record<string, unknown>): Promise<MatchCandidate[]>;
}

export type MatchScorer = (
  query: Record<string, unknown>,
  candidate: Record<string, unknown>,
) => { score: number; grade: 'certain' | 'probable' | 'possible' | 'certainly-not' };

const DEFAULT_COUNT = 10;
const MAX_COUNT = 100;

/**
 * `Patient/$match` (FHIR R4 patient-operation-match): a Patient in, a searchset Bundle of the
 * stored Patients that may be the same person out, best first, each with `search.score` and the
 * match-grade extension. Candidates graded certainly-not are left out. With onlyCertainMatches,
 * only a single certain match is returned (the specification: with several, return none).
 */
export class PatientMatchOperation implements FhirOperation {
  readonly name = 'match';
  readonly definition = 'http://hl7.org/fhir/OperationDefinition/Patient-match';
  readonly levels = ['type'] as FhirOperation['levels'];
  readonly types = ['Patient'];
  readonly idempotent = false;
  /** Reading Patients by criteria: the caller needs search on Patient. */
  readonly access = { perm: 's' as const, type: 'Patient' };

  constructor(
    private readonly candidates: PatientCandidateSource,
    private readonly score: MatchScorer,
    private readonly hooks: FhirHooks,
  ) {}

  async handle(ctx: FhirRequestContext, req: FhirRequest): Promise<FhirResponse> {
    const { patient, onlyCertainMatches, count } = parseParameters(req.body);
    const found = await this.candidates.find(ctx, patient);
    let matches = found
      .map((c) => ({ c, ...this.score(patient, JSON.parse(c.content) as Record<string, unknown>) }))
      .filter((m) => m.grade !== 'certainly-not')
      .sort((a, b) => b.score - a.score || (a.c.id < b.c.id ? -1 : 1));
    if (onlyCertainMatches) {
      const certain = matches.filter((m) => m.grade === 'certain');
      matches = certain.length === 1 ? certain : [];
    }
    matches = matches.slice(0, count);
    await this.hooks.read({
      ctx,
      interaction: 'operation',
      operation: { name: '$match', definition: this.definition },
      resourceType: 'Patient',
      references: matches.map((m) => `Patient/${m.c.id}`),
      rids: matches.map((m) => m.c.rid),
      patients: matches.map((m) => m.c.id),
    });
    const entries: RawEntry[] = matches.map((m) => ({
      fullUrl: `${ctx.baseUrl}/Patient/${m.c.id}`,
      resource: m.c.content,
      search: { mode: 'match', score: m.score, extension: [{ url: MATCH_GRADE_URL, valueCode: m.grade }] } as RawEntry['search'],
    }));
    return { status: 200, body: bundleJson({ type: 'searchset', total: entries.length, entries }) };
  }
}

interface MatchParameters {
  patient: Record<string, unknown>;
  onlyCertainMatches: boolean;
  count: number;
}

/** A Parameters resource (resource, onlyCertainMatches, count), or a bare Patient. */
function parseParameters(body: unknown): MatchParameters {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('$match takes a Parameters resource with a "resource" parameter holding a Patient');
  }
  const b = body as Record<string, unknown>;
  if (b.resourceType === 'Patient') return { patient: b, onlyCertainMatches: false, count: DEFAULT_COUNT };
  if (b.resourceType !== 'Parameters' || !Array.isArray(b.parameter)) {
    throw badRequest('$match takes a Parameters resource with a "resource" parameter holding a Patient');
  }
  const params = b.parameter as { name?: unknown; resource?: unknown; valueBoolean?: unknown; valueInteger?: unknown }[];
  const one = (name: string) => {
    const found = params.filter((p) => p?.name === name);
    if (found.length > 1) throw badRequest(`$match: the "${name}" parameter is given more than once`);
    return found[0];
  };
  const patient = one('resource')?.resource as Record<string, unknown> | undefined;
  if (!patient || typeof patient !== 'object' || patient.resourceType !== 'Patient') {
    throw badRequest('$match: the "resource" parameter must hold a Patient', ['Parameters.parameter']);
  }
  const only = one('onlyCertainMatches');
  if (only && typeof only.valueBoolean !== 'boolean') throw badRequest('$match: onlyCertainMatches must be a valueBoolean');
  const count = one('count');
  if (count && (!Number.isInteger(count.valueInteger) || (count.valueInteger as number) < 1)) {
    throw badRequest('$match: count must be a positive valueInteger');
  }
  return {
    patient,
    onlyCertainMatches: only?.valueBoolean === true,
    count: Math.min(MAX_COUNT, (count?.valueInteger as number | undefined) ?? DEFAULT_COUNT),
  };
}

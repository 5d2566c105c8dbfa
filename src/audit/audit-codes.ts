import type { Interaction } from '../fhir/hooks/fhir-hooks';

/**
 * The codes an AuditEvent of this server carries, after IHE Basic Audit Log Patterns (BALP)
 * and the R4 AuditEvent bindings. Kept in one place so the builder, search and export agree.
 */
export const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
export const DICOM_DCM = 'http://dicom.nema.org/resources/ontology/DCM';
export const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
export const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
export const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
export const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
export const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
/** The roles of CONTRACT.md ("Who may do what") as codes: clinician, patient, auditor, system, admin. */
export const ROLE_SYSTEM = 'https://kartoteka.example/fhir/CodeSystem/role';
export const SOURCE_SYSTEM = 'https://kartoteka.example/fhir/source';
/** source.observer.identifier.value: this server, whichever instance recorded the event. */
export const SOURCE_ID = 'kartoteka';

export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';
/** R4 audit-event-outcome: 0 success, 4 minor failure (refused, 4xx), 8 serious failure (5xx). */
export type AuditOutcome = '0' | '4' | '8' | '12';

/** `type`: a FHIR REST interaction, or the DICOM "Export" event for `/audit/export`. */
export type AuditType = 'rest' | '110106';

export const TYPE_CODING: Record<AuditType, { system: string; code: string; display: string }> = {
  rest: { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'RESTful Operation' },
  '110106': { system: DICOM_DCM, code: '110106', display: 'Export' },
};

/** BALP: create C, read/vread/history R, update/patch U, delete D, search and operations E. */
export function actionOf(interaction: Interaction): AuditAction {
  switch (interaction) {
    case 'create':
      return 'C';
    case 'update':
    case 'patch':
      return 'U';
    case 'delete':
      return 'D';
    case 'read':
    case 'vread':
    case 'history-instance':
    case 'history-type':
    case 'history-system':
    case 'capabilities':
      return 'R';
    default:
      return 'E';
  }
}

export function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return '0';
  return status >= 500 ? '8' : '4';
}

const OUTCOME_CODES = new Set(['0', '4', '8', '12']);
export function isOutcome(s: string): s is AuditOutcome {
  return OUTCOME_CODES.has(s);
}

/**
 * The interaction a refused request asked for, from its method and path alone (the request
 * never reached an interaction): FHIR R4 http.html's URL patterns.
 */
export function interactionOfRequest(method: string, path: string[]): Interaction {
  const m = method === 'HEAD' ? 'GET' : method;
  const [a, b, c] = path;
  if (path.some((p) => p.startsWith('$'))) return 'operation';
  if (path.length === 0) return m === 'POST' ? 'batch' : 'search-system';
  if (path.length === 1) {
    if (a === 'metadata') return 'capabilities';
    if (a === '_history') return 'history-system';
    if (m === 'POST') return 'create';
    if (m === 'PUT') return 'update';
    if (m === 'DELETE') return 'delete';
    return 'search-type';
  }
  if (b === '_search') return 'search-type';
  if (b === '_history') return 'history-type';
  if (path.length === 2) {
    if (m === 'PUT') return 'update';
    if (m === 'PATCH') return 'patch';
    if (m === 'DELETE') return 'delete';
    if (m === 'POST') return 'create';
    return 'read';
  }
  if (c === '_history') return path.length === 4 ? 'vread' : 'history-instance';
  return 'read';
}

/** `Type/id` named by a request path (the resource a refused request aimed at), if any. */
export function targetOfRequest(path: string[]): { type: string; id: string } | undefined {
  const [a, b] = path;
  if (path.length < 2 || !/^[A-Z][A-Za-z]{1,63}$/.test(a) || b.startsWith('$') || b.startsWith('_')) return undefined;
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(b)) return undefined;
  return { type: a, id: b };
}

import { v7 as timeOrderedUuid } from 'uuid';
import type { FhirRequestContext } from '../fhir/fhir-context';
import type { Interaction } from '../fhir/hooks/fhir-hooks';
import {
  ACT_REASON, AuditAction, AuditOutcome, AuditType, DICOM_DCM, ENTITY_TYPE, OBJECT_ROLE, PARTICIPATION_TYPE,
  RESTFUL_INTERACTION, ROLE_SYSTEM, SOURCE_ID, SOURCE_SYSTEM, SOURCE_TYPE, TYPE_CODING,
} from './audit-codes';

/** What happened, in the words of the hooks; the builder turns it into an AuditEvent. */
export interface AuditFacts {
  ctx: FhirRequestContext;
  type: AuditType;
  subtype?: Interaction;
  action: AuditAction;
  outcome: AuditOutcome;
  /** Why it failed (an OperationOutcome's diagnostics: never PHI). */
  outcomeDesc?: string;
  /** The resources touched: `Type/id`, or `Type/id/_history/n` for a version. */
  entities: string[];
  /** The search or operation parameters as received (BALP Query: base64 in entity.query). */
  query?: string;
  /** Patients whose data was touched, when the caller knows them. */
  patients?: string[];
  /** Resource rids whose patient compartments the insert resolves (reads). */
  rids?: string[];
  /** `Type/id` whose patient compartments the insert resolves (searches, refusals). */
  lookups?: string[];
  /** For `operation`: its name (`$everything`) and OperationDefinition URL, a second subtype coding. */
  operation?: { name: string; definition?: string };
  /** Fixed in tests; otherwise now and a fresh UUID. */
  recorded?: Date;
  id?: string;
}

export type LinkKind = 'a' | 'i' | 'e' | 'u';

/**
 * One AuditEvent ready for the insert statement. Its JSON is complete except for the patient
 * entities, which the statement appends from `patients`, `rids` and `lookups`, so a read pays no
 * extra round trip to learn whose data it returned: content = head || (open || patients || close) || tail.
 */
export interface AuditRecord {
  id: string;
  recorded: Date;
  type: AuditType;
  subtype: string | null;
  action: AuditAction;
  outcome: AuditOutcome;
  purpose: string[] | null;
  head: string;
  open: string;
  close: string;
  tail: string;
  patients: string[];
  rids: string[];
  lookups: { type: string; id: string }[];
  /**
   * Index rows for search: agent reference (a), agent identifier (i), entity (e), purpose of use
   * (u); patients (p) come from the insert.
   */
  links: { kind: LinkKind; ref: string }[];
}

/** The JSON of one patient entity, as the insert statement writes it around `"Patient/<id>"`. */
export const PATIENT_ENTITY_PREFIX = '{"what":{"reference":';
export const PATIENT_ENTITY_SUFFIX =
  `},"type":{"system":"${ENTITY_TYPE}","code":"1","display":"Person"},` +
  `"role":{"system":"${OBJECT_ROLE}","code":"1","display":"Patient"}}`;

const DOMAIN_RESOURCE = {
  type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
  role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
};
const QUERY_ROLE = {
  type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
  role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
};
const SOURCE = {
  observer: { identifier: { system: SOURCE_SYSTEM, value: SOURCE_ID }, display: 'Kartoteka FHIR server' },
  type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
};
const BTG = { system: ACT_REASON, code: 'BTG', display: 'break the glass' };
const MAX_DESC = 500;

export function buildAuditRecord(f: AuditFacts): AuditRecord {
  // Time-ordered (RFC 9562 version 7): consecutive events land on the right edge of the id index
  // instead of random pages, so the log's insert touches few pages and logs few full-page images.
  const id = f.id ?? timeOrderedUuid();
  const recorded = f.recorded ?? new Date();
  const at = recorded.toISOString();
  const purpose = f.ctx.breakGlassReason ? ['BTG'] : null;
  const event: Record<string, unknown> = {
    resourceType: 'AuditEvent',
    id,
    meta: { versionId: '1', lastUpdated: at },
    type: TYPE_CODING[f.type],
  };
  if (f.subtype) event.subtype = [{ system: RESTFUL_INTERACTION, code: f.subtype, display: f.subtype }];
  if (f.subtype && f.operation) (event.subtype as object[]).push(operationCoding(f.operation));
  event.action = f.action;
  event.recorded = at;
  event.outcome = f.outcome;
  if (f.outcomeDesc) event.outcomeDesc = f.outcomeDesc.slice(0, MAX_DESC);
  if (f.ctx.breakGlassReason) event.purposeOfEvent = [{ coding: [BTG], text: f.ctx.breakGlassReason }];
  event.agent = agents(f);
  event.source = SOURCE;
  const entities = f.entities.map((what) => JSON.stringify({ what: { reference: what }, ...DOMAIN_RESOURCE }));
  if (f.query) {
    entities.push(JSON.stringify({ ...QUERY_ROLE, query: Buffer.from(f.query, 'utf8').toString('base64') }));
  }
  const lookups = (f.lookups ?? []).map(splitReference).filter((r): r is { type: string; id: string } => !!r);
  const patients = [...new Set(f.patients ?? [])];
  const rids = f.rids ?? [];
  return {
    id,
    recorded,
    type: f.type,
    subtype: f.subtype ?? null,
    action: f.action,
    outcome: f.outcome,
    purpose,
    ...contentParts(JSON.stringify(event), entities, patients.length + rids.length + lookups.length > 0),
    patients,
    rids,
    lookups,
    links: links(f),
  };
}

/** `entity` is the last element, so patient entities can be appended to it by the insert. */
function contentParts(base: string, entities: string[], mayHavePatients: boolean): Pick<AuditRecord, 'head' | 'open' | 'close' | 'tail'> {
  const open = base.slice(0, -1);
  if (!mayHavePatients) {
    return { head: entities.length ? `${open},"entity":[${entities.join(',')}]}` : base, open: '', close: '', tail: '' };
  }
  if (entities.length) return { head: `${open},"entity":[${entities.join(',')}`, open: ',', close: '', tail: ']}' };
  return { head: open, open: ',"entity":[', close: ']', tail: '}' };
}

/** Which operation: its canonical URL as a URI code when known, its name as the display. */
function operationCoding(op: { name: string; definition?: string }): object {
  return op.definition ? { system: 'urn:ietf:rfc:3986', code: op.definition, display: op.name } : { display: op.name };
}

function agents(f: AuditFacts): object[] {
  const { principal, clientAddress } = f.ctx;
  const user: Record<string, unknown> = {
    type: {
      coding: [
        f.action === 'C' || f.action === 'U' || f.action === 'D'
          ? { system: PARTICIPATION_TYPE, code: 'AUT', display: 'author (originator)' }
          : { system: PARTICIPATION_TYPE, code: 'IRCP', display: 'information recipient' },
      ],
    },
  };
  if (principal?.roles.length) user.role = principal.roles.map((r) => ({ coding: [{ system: ROLE_SYSTEM, code: r }] }));
  if (principal?.fhirUser) {
    user.who = { reference: `${principal.fhirUser.resourceType}/${principal.fhirUser.id}` };
    user.altId = principal.sub;
  } else if (principal) {
    user.who = { identifier: { value: principal.sub } };
  } else {
    user.who = { display: 'unauthenticated' };
  }
  user.requestor = true;
  if (clientAddress) user.network = { address: clientAddress, type: '2' };
  const out: object[] = [user];
  if (principal?.clientId) {
    out.push({
      type: { coding: [{ system: DICOM_DCM, code: '110150', display: 'Application' }] },
      who: { identifier: { value: principal.clientId } },
      requestor: false,
    });
  }
  return out;
}

function links(f: AuditFacts): AuditRecord['links'] {
  const out: AuditRecord['links'] = [];
  const seen = new Set<string>();
  const add = (kind: LinkKind, ref: string) => {
    const key = `${kind}${ref}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ kind, ref });
  };
  const p = f.ctx.principal;
  if (p?.fhirUser) add('a', `${p.fhirUser.resourceType}/${p.fhirUser.id}`);
  if (p) add('i', p.sub);
  for (const e of f.entities) add('e', unversioned(e));
  if (f.ctx.breakGlassReason) add('u', 'BTG');
  return out;
}

/** `Observation/1/_history/2` → `Observation/1`. */
export function unversioned(ref: string): string {
  const i = ref.indexOf('/_history/');
  return i < 0 ? ref : ref.slice(0, i);
}

function splitReference(ref: string): { type: string; id: string } | undefined {
  const [type, id] = unversioned(ref).split('/');
  return type && id ? { type, id } : undefined;
}

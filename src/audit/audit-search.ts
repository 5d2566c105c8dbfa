import { badRequest } from '../fhir/errors/fhir-error';
import { dateRange } from '../fhir/search/index/date-range';
import { ACT_REASON, RESTFUL_INTERACTION, SOURCE_ID, SOURCE_SYSTEM, TYPE_CODING } from './audit-codes';
import type { AuditReach } from './audit-access';

const DEFAULT_COUNT = 20;
const MAX_COUNT = 1000;
const ACTION_SYSTEM = 'http://hl7.org/fhir/audit-event-action';
const OUTCOME_SYSTEM = 'http://hl7.org/fhir/audit-event-outcome';
/** Types an agent reference given as a bare id may name. */
const AGENT_TYPES = ['Practitioner', 'Patient', 'PractitionerRole', 'Device', 'Organization', 'RelatedPerson'];
/** A page row, with its keyset position: `recorded` in microseconds since the epoch (exact), and seq. */
const PAGE_COLUMNS = `e.seq::text AS seq, (extract(epoch FROM e.recorded) * 1000000)::bigint::text AS recorded_us, e.id, e.content, e.patients`;
/** Result parameters this search understands or may safely ignore. */
const IGNORED = new Set(['_format', '_pretty']);

export interface CompiledAuditSearch {
  /** Page query: seq, recorded_us, id, content, patients of up to count + 1 rows. */
  text: string;
  values: unknown[];
  /** Same predicate, count(*) (for `_total=accurate` / `_summary=count`); undefined otherwise. */
  countText?: string;
  countValues: unknown[];
  count: number;
  descending: boolean;
  summaryCount: boolean;
  /** The parameters to repeat in paging links (everything but the cursor). */
  linkParams: URLSearchParams;
}

/**
 * AuditEvent search (R4 auditevent.html#search, plus `purpose-of-use`) compiled to one SQL
 * statement over audit_event and its audit_link index. Values are bound, never spliced.
 * Ordered by (recorded, seq), newest first unless `_sort=date`, which the (recorded, seq) index
 * serves directly; paging is by keyset on that pair (`_cursor`).
 */
export function compileAuditSearch(params: URLSearchParams, reach: AuditReach, lenient = false): CompiledAuditSearch {
  const values: unknown[] = [];
  const bind = (v: unknown) => `$${values.push(v)}`;
  const where: string[] = [];
  const link = (refs: string[], kinds: string[]) =>
    `e.seq IN (SELECT l.seq FROM audit_link l WHERE l.ref = ANY(${bind(refs)}::text[]) AND l.kind = ANY(${bind(kinds)}::text[]))`;
  if (reach.kind === 'patient') where.push(link([`Patient/${reach.patientId}`], ['p']));

  let count = DEFAULT_COUNT;
  let descending = true;
  let cursor: { recordedUs: string; seq: string } | undefined;
  let summaryCount = false;
  let total = false;
  const linkParams = new URLSearchParams();
  for (const [rawKey, value] of params) {
    const [name, modifier] = splitKey(rawKey);
    if (name !== '_cursor') linkParams.append(rawKey, value);
    const values = value.split(',');
    const tokenOnly = () => assertModifier(name, modifier, []);
    switch (name) {
      case '_count':
        tokenOnly();
        count = parseCount(value);
        break;
      case '_sort':
        tokenOnly();
        if (value !== 'date' && value !== '-date') throw badRequest('AuditEvent sorts by date or -date');
        descending = value === '-date';
        break;
      case '_cursor': {
        const m = /^(-?\d{1,18})\.(\d{1,19})$/.exec(value);
        if (!m) throw badRequest('_cursor is not a valid paging cursor');
        cursor = { recordedUs: m[1], seq: m[2] };
        break;
      }
      case '_total':
        total = value === 'accurate';
        break;
      case '_summary':
        if (value === 'count') summaryCount = true;
        else if (value !== 'false') throw badRequest('AuditEvent supports _summary=count only');
        break;
      case '_id':
        tokenOnly();
        where.push(`e.id = ANY(${bind(values)}::text[])`);
        break;
      case 'date':
        tokenOnly();
        where.push(`(${values.map((v) => datePredicate(v, bind)).join(' OR ')})`);
        break;
      case 'type':
        tokenOnly();
        where.push(`e.type = ANY(${bind(tokenCodes(values, Object.values(TYPE_CODING)))}::text[])`);
        break;
      case 'subtype':
        tokenOnly();
        where.push(`e.subtype = ANY(${bind(systemCodes(values, RESTFUL_INTERACTION))}::text[])`);
        break;
      case 'action':
        tokenOnly();
        where.push(`e.action = ANY(${bind(systemCodes(values, ACTION_SYSTEM))}::text[])`);
        break;
      case 'outcome':
        tokenOnly();
        where.push(`e.outcome = ANY(${bind(systemCodes(values, OUTCOME_SYSTEM))}::text[])`);
        break;
      case 'purpose-of-use':
        tokenOnly();
        where.push(link(systemCodes(values, ACT_REASON), ['u']));
        break;
      case 'agent':
        assertModifier(name, modifier, ['identifier']);
        where.push(modifier === 'identifier' ? link(values.map(identifierValue), ['i']) : link(values.flatMap((v) => references(v, AGENT_TYPES)), ['a']));
        break;
      case 'entity': {
        assertModifier(name, modifier, []);
        const refs = values.flatMap((v) => references(v));
        const c = reach.kind === 'patient' ? patientViewEntity(refs, reach.patientId, link) : link(refs, ['e', 'p']);
        if (c) where.push(c);
        break;
      }
      case 'patient': {
        assertModifier(name, modifier, ['Patient']);
        const refs = values.flatMap((v) => references(v, ['Patient'])).filter((r) => r.startsWith('Patient/'));
        const c = reach.kind === 'patient' ? patientViewPatient(refs, reach.patientId, link) : link(refs, ['p', 'a']);
        if (c) where.push(c);
        break;
      }
      case 'source':
        assertModifier(name, modifier, ['identifier']);
        if (!values.some((v) => isThisSource(v, modifier === 'identifier'))) where.push('false');
        break;
      default:
        if (IGNORED.has(name) || lenient) break;
        throw badRequest(`Unknown search parameter for AuditEvent: ${name.replace(/[^A-Za-z0-9\-_]/g, '?').slice(0, 64)}`);
    }
  }
  const predicate = where.length ? where.join(' AND ') : 'true';
  const countText = summaryCount || total ? `SELECT count(*)::int AS n FROM audit_event e WHERE ${predicate}` : undefined;
  const countValues = values.slice();
  const page = [...where];
  if (cursor) {
    page.push(
      `(e.recorded, e.seq) ${descending ? '<' : '>'} ('epoch'::timestamptz + ${bind(cursor.recordedUs)}::bigint * interval '1 microsecond', ${bind(cursor.seq)}::bigint)`,
    );
  }
  const dir = descending ? 'DESC' : 'ASC';
  const text =
    `SELECT ${PAGE_COLUMNS} FROM audit_event e` +
    ` WHERE ${page.length ? page.join(' AND ') : 'true'}` +
    ` ORDER BY e.recorded ${dir}, e.seq ${dir} LIMIT ${bind(count + 1)}`;
  return { text, values, countText, countValues, count, descending, summaryCount, linkParams };
}

type Link = (refs: string[], kinds: string[]) => string;

/**
 * A patient searches the view they are served (audit-event.handler.ts `masked`): their own
 * patient entity, and the resource entities of events about them alone. Matching hidden
 * entities would tell them who else an event was about.
 */
function patientViewEntity(refs: string[], patientId: string, link: Link): string | undefined {
  // Their own record is an entity of every event they see.
  if (refs.includes(`Patient/${patientId}`)) return undefined;
  return `cardinality(e.patients) = 1 AND ${link(refs, ['e'])}`;
}

/** `patient=` for a patient: their own record (every event they see), or a patient agent. */
function patientViewPatient(refs: string[], patientId: string, link: Link): string | undefined {
  if (refs.includes(`Patient/${patientId}`)) return undefined;
  return link(refs, ['a']);
}

function splitKey(key: string): [string, string | undefined] {
  const i = key.indexOf(':');
  return i < 0 ? [key, undefined] : [key.slice(0, i), key.slice(i + 1)];
}

function assertModifier(name: string, modifier: string | undefined, allowed: string[]): void {
  if (modifier !== undefined && !allowed.includes(modifier)) {
    throw badRequest(`The modifier :${modifier.replace(/[^A-Za-z0-9\-_]/g, '?').slice(0, 32)} is not supported on ${name}`);
  }
}

function parseCount(raw: string): number {
  if (!/^\d{1,7}$/.test(raw)) throw badRequest('_count must be a non-negative integer');
  return Math.min(Number(raw), MAX_COUNT);
}

/** R4 search.html#prefix on an instant: the value is a range at its own precision. */
function datePredicate(raw: string, bind: (v: unknown) => string): string {
  const m = /^(eq|ne|lt|gt|le|ge|sa|eb|ap)?(.*)$/.exec(raw) as RegExpExecArray;
  const prefix = m[1] ?? 'eq';
  const range = dateRange(m[2]);
  if (!range) throw badRequest('date must be a FHIR date, dateTime or instant, optionally with a prefix');
  const low = () => bind(range.low.toISOString());
  const high = () => bind(range.high.toISOString());
  switch (prefix) {
    case 'ne':
      return `NOT (e.recorded >= ${low()}::timestamptz AND e.recorded <= ${high()}::timestamptz)`;
    case 'lt':
    case 'eb':
      return `e.recorded < ${low()}::timestamptz`;
    case 'le':
      return `e.recorded <= ${high()}::timestamptz`;
    case 'gt':
    case 'sa':
      return `e.recorded > ${high()}::timestamptz`;
    case 'ge':
      return `e.recorded >= ${low()}::timestamptz`;
    default:
      // eq, and ap (approximately: taken as the value's own range)
      return `(e.recorded >= ${low()}::timestamptz AND e.recorded <= ${high()}::timestamptz)`;
  }
}

/** `system|code`, `|code` or `code` against one code system. */
function systemCodes(values: string[], system: string): string[] {
  return tokenCodes(values, undefined, system);
}

function tokenCodes(values: string[], codings?: { system: string; code: string }[], system?: string): string[] {
  const out: string[] = [];
  for (const v of values) {
    const bar = v.indexOf('|');
    const sys = bar < 0 ? undefined : v.slice(0, bar);
    const code = bar < 0 ? v : v.slice(bar + 1);
    if (!code) throw badRequest('A token search on AuditEvent needs a code');
    if (codings) {
      if (codings.some((c) => c.code === code && (sys === undefined || c.system === sys))) out.push(code);
    } else if (sys === undefined || sys === system) {
      out.push(code);
    }
  }
  return out;
}

/** A reference search value: `Type/id`, a bare id (any of `types`), or an absolute URL. */
function references(v: string, types?: string[]): string[] {
  const parts = v.split('/').filter(Boolean);
  if (parts.length === 0) throw badRequest('A reference search value is empty');
  const hist = parts.indexOf('_history');
  const core = hist >= 0 ? parts.slice(0, hist) : parts;
  if (core.length >= 2) return [`${core[core.length - 2]}/${core[core.length - 1]}`];
  if (!types) throw badRequest('entity takes a reference of the form Type/id');
  return types.map((t) => `${t}/${core[0]}`);
}

function identifierValue(v: string): string {
  const bar = v.indexOf('|');
  return bar < 0 ? v : v.slice(bar + 1);
}

function isThisSource(v: string, identifier: boolean): boolean {
  if (identifier) {
    const bar = v.indexOf('|');
    return bar < 0 ? v === SOURCE_ID : v.slice(0, bar) === SOURCE_SYSTEM && v.slice(bar + 1) === SOURCE_ID;
  }
  return v === SOURCE_ID || v.endsWith(`/${SOURCE_ID}`);
}

import type { Logger } from 'pino';
import type { Queryable } from '../database/database';
import { isFhirError, serviceUnavailable } from '../fhir/errors/fhir-error';
import type { FhirHooks, Interaction, ReadEvent, RefusedEvent, WriteEvent } from '../fhir/hooks/fhir-hooks';
import type { PreparedChange } from '../fhir/store/stored-resource';
import { actionOf, AuditAction, interactionOfRequest, outcomeOf, targetOfRequest } from './audit-codes';
import { AuditFacts, buildAuditRecord } from './audit-event.builder';
import type { AuditWriter } from './audit-writer';

/**
 * Interactions that answer a list: BALP's Query pattern records the query and one entity per
 * patient whose data came back, not one entity per resource (a page may hold a thousand).
 */
const LIST_INTERACTIONS = new Set<Interaction>(['search-type', 'search-system', 'history-type', 'history-system', 'operation']);

/**
 * The audit side of FhirHooks: one AuditEvent per interaction. Writes insert theirs in the
 * write's transaction; reads wait until theirs is committed (fail closed); refusals are
 * recorded through the same group commit, best effort.
 */
export class AuditSubscriber {
  /** Patients of resources being deleted, read before the delete drops their compartment rows. */
  private readonly deletedPatients = new WeakMap<WriteEvent, string[]>();

  constructor(
    private readonly writer: AuditWriter,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  register(hooks: FhirHooks): void {
    hooks.onBeforeWrite((tx, e) => this.beforeWrite(tx, e));
    hooks.onWrite((tx, e) => this.wrote(tx, e));
    hooks.onRead((e) => this.read(e));
    hooks.onRefused((e) => this.refused(e));
  }

  async beforeWrite(tx: Queryable, e: WriteEvent): Promise<void> {
    const rids = e.changes.filter((c) => c.deleted && !c.isNew).map((c) => c.rid);
    if (rids.length === 0) return;
    const found = await tx.query<{ patient_id: string }>(
      'SELECT DISTINCT patient_id FROM resource_compartment WHERE rid = ANY($1::bigint[])',
      [rids],
    );
    this.deletedPatients.set(e, found.rows.map((r) => r.patient_id));
  }

  async wrote(tx: Queryable, e: WriteEvent): Promise<void> {
    if (e.changes.length === 0) return;
    const patients = new Set<string>(this.deletedPatients.get(e) ?? []);
    for (const c of e.changes) for (const p of c.index?.compartments ?? []) patients.add(p);
    const record = buildAuditRecord({
      ctx: e.ctx,
      type: 'rest',
      subtype: e.interaction,
      action: writeAction(e.interaction, e.changes),
      outcome: '0',
      entities: e.changes.map((c) => `${c.resourceType}/${c.id}/_history/${c.versionId}`),
      patients: [...patients],
    });
    try {
      await this.writer.writeInTransaction(tx, [record]);
    } catch (e) {
      // A deadlock or serialization failure is retried by the transaction; anything else
      // means the audit log cannot take the event, so the write must not commit.
      const code = (e as { code?: string })?.code;
      if (code === '40001' || code === '40P01' || isFhirError(e)) throw e;
      throw serviceUnavailable('The audit log is unavailable; retry later');
    }
  }

  async read(e: ReadEvent): Promise<void> {
    await this.writer.append(buildAuditRecord(readFacts(e)));
  }

  async refused(e: RefusedEvent): Promise<void> {
    const interaction = interactionOfRequest(e.method, e.path);
    const target = targetOfRequest(e.path);
    const facts: AuditFacts = {
      ctx: e.ctx,
      type: 'rest',
      subtype: interaction,
      action: actionOf(interaction),
      outcome: outcomeOf(e.status),
      outcomeDesc: e.reason ? `HTTP ${e.status}: ${e.reason}` : `HTTP ${e.status}`,
      operation: operationOfPath(e.path),
      entities: target ? [`${target.type}/${target.id}`] : [],
      // Whose record the refused request aimed at, so that patient sees the attempt too.
      lookups: target ? [`${target.type}/${target.id}`] : [],
    };
    try {
      await this.writer.append(buildAuditRecord(facts));
    } catch {
      // Best effort: the request already failed; its error answer must not become a 503.
      this.log.warn({ reqId: e.ctx.requestId, status: e.status }, 'a refused request could not be audited');
    }
  }
}

export function readFacts(e: ReadEvent): AuditFacts {
  const list = LIST_INTERACTIONS.has(e.interaction);
  const entities = list ? [] : [...new Set(e.references)];
  const known = e.patients !== undefined || (e.rids?.length ?? 0) > 0;
  return {
    ctx: e.ctx,
    type: 'rest',
    subtype: e.interaction,
    action: actionOf(e.interaction),
    outcome: '0',
    entities,
    query: e.query,
    operation: e.operation,
    patients: e.patients,
    rids: e.rids,
    lookups: known ? undefined : e.references,
  };
}

/** `$name` of a refused operation request (the last `$` segment), never anything else from the path. */
function operationOfPath(path: string[]): { name: string } | undefined {
  const last = path[path.length - 1];
  return last && /^\$[A-Za-z][A-Za-z0-9-]{0,63}$/.test(last) ? { name: last } : undefined;
}

function writeAction(interaction: Interaction, changes: PreparedChange[]): AuditAction {
  if (changes.length !== 1) return actionOf(interaction);
  const c = changes[0];
  if (c.deleted) return 'D';
  return c.isNew ? 'C' : 'U';
}

import { Injectable } from '@nestjs/common';
import type { Queryable } from '../../database/database';
import type { FhirRequestContext } from '../fhir-context';
import type { PreparedChange } from '../store/stored-resource';

export type Interaction =
  | 'read' | 'vread' | 'update' | 'patch' | 'delete' | 'history-instance' | 'history-type'
  | 'history-system' | 'create' | 'search-type' | 'search-system' | 'batch' | 'transaction'
  | 'operation' | 'capabilities';

export interface WriteEvent {
  ctx: FhirRequestContext;
  interaction: Interaction;
  changes: PreparedChange[];
}

export interface ReadEvent {
  ctx: FhirRequestContext;
  interaction: Interaction;
  resourceType?: string;
  /** `Type/id` of every resource returned (patients are derived from compartments by subscribers). */
  references: string[];
  /** `resource.rid` of every resource returned, so subscribers can find their compartments in SQL. */
  rids?: string[];
  /** Patient ids whose data was returned (search, $everything). */
  patients?: string[];
  query?: string;
  /** For interaction `operation`: which one (`$everything`) and its OperationDefinition's canonical URL. */
  operation?: { name: string; definition?: string };
}

/** A request answered with an error: refused (401, 403, 404 for invisible) or failed. */
export interface RefusedEvent {
  ctx: FhirRequestContext;
  method: string;
  /** Path segments after the FHIR base. */
  path: string[];
  status: number;
  /** The OperationOutcome's first diagnostics (never PHI). */
  reason?: string;
}

export type WriteHook = (tx: Queryable, event: WriteEvent) => Promise<void>;
export type ReadHook = (event: ReadEvent) => Promise<void>;
export type RefusedHook = (event: RefusedEvent) => Promise<void>;

/**
 * Named pointcuts (STYLE.md: HAPI's interceptors): the store never calls audit by name, yet
 * `onWrite` subscribers run inside the write's own transaction, and `onRead` subscribers run
 * before the response is sent (fail closed: a throwing subscriber fails the request).
 */
@Injectable()
export class FhirHooks {
  private readonly writeHooks: WriteHook[] = [];
  private readonly readHooks: ReadHook[] = [];
  private readonly refusedHooks: RefusedHook[] = [];
  private readonly beforeWriteHooks: WriteHook[] = [];
  private active = 0;

  /**
   * FHIR requests under way (the HTTP handler counts them): a subscriber that batches work across
   * requests, such as the audit group commit, can tell how many more events are on their way.
   */
  requestStarted(): void {
    this.active++;
  }

  requestEnded(): void {
    this.active--;
  }

  activeRequests(): number {
    return this.active;
  }

  onWrite(hook: WriteHook): void {
    this.writeHooks.push(hook);
  }

  onRead(hook: ReadHook): void {
    this.readHooks.push(hook);
  }

  /** Runs in the write's transaction before anything is written (access checks). */
  onBeforeWrite(hook: WriteHook): void {
    this.beforeWriteHooks.push(hook);
  }

  async beforeWrite(tx: Queryable, event: WriteEvent): Promise<void> {
    for (const h of this.beforeWriteHooks) await h(tx, event);
  }

  onRefused(hook: RefusedHook): void {
    this.refusedHooks.push(hook);
  }

  async refused(event: RefusedEvent): Promise<void> {
    for (const h of this.refusedHooks) await h(event);
  }

  async wrote(tx: Queryable, event: WriteEvent): Promise<void> {
    for (const h of this.writeHooks) await h(tx, event);
  }

  async read(event: ReadEvent): Promise<void> {
    for (const h of this.readHooks) await h(event);
  }
}

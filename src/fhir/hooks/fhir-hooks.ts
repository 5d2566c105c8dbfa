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
  /** Patient ids whose data was returned (search, $everything). */
  patients?: string[];
  query?: string;
}

export type WriteHook = (tx: Queryable, event: WriteEvent) => Promise<void>;
export type ReadHook = (event: ReadEvent) => Promise<void>;

/**
 * Named pointcuts (STYLE.md: HAPI's interceptors): the store never calls audit by name, yet
 * `onWrite` subscribers run inside the write's own transaction, and `onRead` subscribers run
 * before the response is sent (fail closed: a throwing subscriber fails the request).
 */
@Injectable()
export class FhirHooks {
  private readonly writeHooks: WriteHook[] = [];
  private readonly readHooks: ReadHook[] = [];

  onWrite(hook: WriteHook): void {
    this.writeHooks.push(hook);
  }

  onRead(hook: ReadHook): void {
    this.readHooks.push(hook);
  }

  async wrote(tx: Queryable, event: WriteEvent): Promise<void> {
    for (const h of this.writeHooks) await h(tx, event);
  }

  async read(event: ReadEvent): Promise<void> {
    for (const h of this.readHooks) await h(event);
  }
}

import { randomUUID } from 'node:crypto';

/**
 * Steady write and read load for the operations tests (instances, faults): several clients, each
 * looping create → update (If-Match) → read over its own resources, with a transaction Bundle
 * every few rounds, spread round-robin over the given servers. Every answer is recorded, so a test
 * can check afterwards that what was acknowledged is really there, at the version acknowledged.
 */
export interface Outcome {
  kind: 'create' | 'update' | 'read' | 'transaction';
  server: string;
  startedAt: number;
  ms: number;
  /** HTTP status, or 0 when no answer came (connection refused or reset, timeout). */
  status: number;
  /** The body's resourceType (OperationOutcome for errors), when JSON. */
  resourceType?: string;
  /** The network error's code when no answer came. */
  error?: string;
}

export interface LoadResult {
  outcomes: Outcome[];
  /** `Type/id` → every version a 2xx answer acknowledged, in order. */
  acknowledged: Map<string, number[]>;
  /** `Patient/id` → reads answered 200 with the resource. */
  reads: Map<string, number>;
}

export interface LoadOptions {
  servers: () => string[];
  authorization: string;
  clients: number;
  /** The load runs until this resolves. */
  until: Promise<unknown>;
  /** A request not answered within this time is aborted and recorded with status 0. */
  requestTimeoutMs?: number;
  /** Pause between a client's requests (ms), to keep the load steady rather than maximal. */
  pauseMs?: number;
  /** Filled as answers arrive (to watch the load while it runs); a new one when not given. */
  into?: LoadResult;
}

const FHIR = 'application/fhir+json';

export async function runWriteLoad(o: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = o.into ?? { outcomes: [], acknowledged: new Map(), reads: new Map() };
  let stopped = false;
  void o.until.then(() => (stopped = true));
  let turn = 0;
  const ack = (ref: string, version: number) => {
    const list = result.acknowledged.get(ref) ?? [];
    list.push(version);
    result.acknowledged.set(ref, list);
  };

  const call = async (kind: Outcome['kind'], path: string, init: RequestInit): Promise<{ status: number; body?: Record<string, unknown> }> => {
    const servers = o.servers();
    const server = servers[turn++ % servers.length];
    const startedAt = Date.now();
    const rec: Outcome = { kind, server, startedAt, ms: 0, status: 0 };
    result.outcomes.push(rec);
    try {
      const res = await fetch(`${server}/fhir/${path}`, {
        ...init,
        headers: { Authorization: o.authorization, 'Content-Type': FHIR, Accept: FHIR, ...(init.headers as Record<string, string>) },
        signal: AbortSignal.timeout(o.requestTimeoutMs ?? 20_000),
      });
      const text = await res.text();
      rec.status = res.status;
      rec.ms = Date.now() - startedAt;
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(text);
        rec.resourceType = body?.resourceType as string | undefined;
      } catch {
        /* not JSON: the test sees resourceType undefined */
      }
      return { status: res.status, body };
    } catch (e) {
      rec.ms = Date.now() - startedAt;
      const err = e as { name?: string; cause?: { code?: string } };
      rec.error = err.cause?.code ?? err.name ?? 'error';
      return { status: 0 };
    }
  };

  const client = async (c: number) => {
    for (let round = 0; !stopped; round++) {
      const family = `Нагрузкин${c}`;
      const created = await call('create', 'Patient', {
        method: 'POST',
        body: JSON.stringify({ resourceType: 'Patient', name: [{ family, given: [`r${round}`] }], gender: 'female' }),
      });
      if (created.status === 201 && created.body) {
        const id = String(created.body.id);
        const v1 = Number((created.body.meta as { versionId: string }).versionId);
        ack(`Patient/${id}`, v1);
        if (stopped) break;
        const updated = await call('update', `Patient/${id}`, {
          method: 'PUT',
          headers: { 'If-Match': `W/"${v1}"` },
          body: JSON.stringify({ resourceType: 'Patient', id, name: [{ family, given: [`r${round}`, 'upd'] }], gender: 'female', active: true }),
        });
        if (updated.status === 200 && updated.body) ack(`Patient/${id}`, Number((updated.body.meta as { versionId: string }).versionId));
        if (stopped) break;
        const read = await call('read', `Patient/${id}`, { method: 'GET' });
        if (read.status === 200 && read.body?.resourceType === 'Patient' && read.body.id === id) {
          result.reads.set(`Patient/${id}`, (result.reads.get(`Patient/${id}`) ?? 0) + 1);
        }
      }
      if (round % 5 === 2 && !stopped) {
        const p = `urn:uuid:${randomUUID()}`;
        const tx = await call('transaction', '', {
          method: 'POST',
          body: JSON.stringify({
            resourceType: 'Bundle',
            type: 'transaction',
            entry: [
              { fullUrl: p, resource: { resourceType: 'Patient', name: [{ family: `${family}Tx` }] }, request: { method: 'POST', url: 'Patient' } },
              {
                resource: { resourceType: 'Observation', status: 'final', code: { text: 'pulse' }, subject: { reference: p }, valueQuantity: { value: 60 + c } },
                request: { method: 'POST', url: 'Observation' },
              },
            ],
          }),
        });
        if (tx.status === 200 && tx.body) {
          for (const e of (tx.body.entry as { response: { location: string } }[]) ?? []) {
            const m = /^(?:.*\/)?(\w+)\/([^/]+)\/_history\/(\d+)$/.exec(e.response.location);
            if (m) ack(`${m[1]}/${m[2]}`, Number(m[3]));
          }
        }
      }
      if (o.pauseMs) await new Promise((r) => setTimeout(r, o.pauseMs));
    }
  };

  await Promise.all(Array.from({ length: o.clients }, (_, c) => client(c)));
  return result;
}

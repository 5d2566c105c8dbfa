import type { Database } from '../database/database';
import { FhirError } from '../fhir/errors/fhir-error';
import { buildAuditRecord } from './audit-event.builder';
import { AuditWriter } from './audit-writer';

const quiet = { error: () => undefined, warn: () => undefined };
const record = (n: number) =>
  buildAuditRecord({ ctx: { requestId: `r${n}`, baseUrl: '' }, type: 'rest', subtype: 'read', action: 'R', outcome: '0', entities: [`Patient/${n}`] });

/** A database whose INSERTs complete when the test says so. */
function fakeDb() {
  const statements: { events: number; finish: (e?: Error) => void }[] = [];
  const db = {
    query: (config: { values: unknown[][] }) =>
      new Promise((resolve, reject) => {
        statements.push({ events: config.values[0].length, finish: (e) => (e ? reject(e) : resolve({ rows: [{ n: 1 }] })) });
      }),
  } as unknown as Database;
  return { db, statements };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('AuditWriter (group commit)', () => {
  it('writes the events that queued during a statement together, in one statement', async () => {
    const { db, statements } = fakeDb();
    const w = new AuditWriter(db, quiet, { maxInFlight: 1 });
    const settled: number[] = [];
    const first = w.append(record(0)).then(() => settled.push(0));
    await tick();
    const rest = [1, 2, 3, 4].map((n) => w.append(record(n)).then(() => settled.push(n)));
    await tick();
    expect(statements.map((s) => s.events)).toEqual([1]);
    statements[0].finish();
    await first;
    await tick();
    expect(statements.map((s) => s.events)).toEqual([1, 4]);
    expect(settled).toEqual([0]);
    statements[1].finish();
    await Promise.all(rest);
    expect(settled).toEqual([0, 1, 2, 3, 4]);
    await w.drain();
  });

  it('keeps up to maxInFlight statements going and caps a batch at maxBatch', async () => {
    const { db, statements } = fakeDb();
    const w = new AuditWriter(db, quiet, { maxInFlight: 2, maxBatch: 3 });
    const all = Array.from({ length: 8 }, (_, n) => w.append(record(n)));
    await tick();
    expect(statements.map((s) => s.events)).toEqual([3, 3]);
    statements[0].finish();
    await tick();
    expect(statements.map((s) => s.events)).toEqual([3, 3, 2]);
    statements[1].finish();
    statements[2].finish();
    await Promise.all(all);
  });

  it('while a statement is in flight, holds a further one until the requests under way have queued (at most gatherMs)', async () => {
    const { db, statements } = fakeDb();
    let active = 4;
    const w = new AuditWriter(db, quiet, { maxInFlight: 2, gatherMs: 250, expected: () => active });
    const first = w.append(record(0));
    await tick();
    expect(statements.map((s) => s.events)).toEqual([1]); // idle: sent at once
    const more = [w.append(record(1)), w.append(record(2))];
    await tick();
    // One request is still working on its read: the second statement waits for it.
    expect(statements.map((s) => s.events)).toEqual([1]);
    more.push(w.append(record(3)));
    await tick();
    expect(statements.map((s) => s.events)).toEqual([1, 3]);
    statements[0].finish();
    await first;
    // A request that never queues (a write, say) holds the queue no longer than gatherMs.
    active = 6;
    const late = w.append(record(4));
    await tick();
    expect(statements.map((s) => s.events)).toEqual([1, 3]);
    await new Promise((r) => setTimeout(r, 400));
    expect(statements.map((s) => s.events)).toEqual([1, 3, 1]);
    statements.forEach((s) => s.finish());
    await Promise.all([...more, late]);
    await w.drain();
  });

  it('fails every waiting read with 503 when its statement fails (fail closed)', async () => {
    const { db, statements } = fakeDb();
    const w = new AuditWriter(db, quiet, { maxInFlight: 1 });
    const a = w.append(record(1));
    await tick();
    const b = w.append(record(2));
    const c = w.append(record(3));
    statements[0].finish();
    await a;
    await tick();
    statements[1].finish(Object.assign(new Error('disk full'), { code: '53100' }));
    for (const p of [b, c]) {
      await expect(p).rejects.toBeInstanceOf(FhirError);
      await p.catch((e: FhirError) => expect(e.status).toBe(503));
    }
    // The writer carries on with the next batch.
    const d = w.append(record(4));
    await tick();
    statements[2].finish();
    await expect(d).resolves.toBeUndefined();
  });

  it('answers 503 when the database does not answer in time', async () => {
    const { db } = fakeDb();
    const w = new AuditWriter(db, quiet, { timeoutMs: 20 });
    await expect(w.append(record(1))).rejects.toMatchObject({ status: 503 });
  });
});

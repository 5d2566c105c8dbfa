import { Pool } from 'pg';
import { missingWrites, unauditedReads, unauditedWrites, verify, waitForSealed } from '../support/load-checks';
import { OwnPostgres, startOwnPostgres } from '../support/own-postgres';
import { scratchDatabase, ServerProcess, startServerProcess } from '../support/server-process';
import { adminAuth, tokenFor } from '../support/tokens';
import { LoadResult, Outcome, runWriteLoad } from '../support/write-load';

/**
 * Fault tests (issue #8 item 6): the process killed outright under write load, and PostgreSQL
 * stopped, or frozen, under load. What a client was told must stay true: a 2xx write is durable
 * and audited, a read is never answered without its AuditEvent, and an outage answers 503
 * OperationOutcomes promptly, then heals by itself. The outages use a PostgreSQL cluster of the
 * test's own, so they run the same with or without DATABASE_URL.
 */
jest.setTimeout(150_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const is2xx = (o: Outcome) => o.status >= 200 && o.status < 300;

async function chainVerifies(sql: Pool, server: string): Promise<void> {
  const sealed = await waitForSealed(sql);
  expect(sealed.sealed).toBe(sealed.events);
  const auditor = `Bearer ${await tokenFor({ roles: ['auditor'], sub: 'ops-auditor' })}`;
  expect(await verify(server, auditor)).toEqual({ status: 200, result: true, checked: sealed.events, firstInvalid: undefined });
}

async function expectNothingLost(sql: Pool, load: LoadResult): Promise<void> {
  expect(load.acknowledged.size).toBeGreaterThan(10);
  expect(await missingWrites(sql, load)).toEqual({ missing: [], behind: [] });
  expect(await unauditedWrites(sql, load)).toEqual([]);
  expect(await unauditedReads(sql, load)).toEqual([]);
}

describe('kill -9 under write load', () => {
  let db: { url: string; drop(): Promise<void> };
  let sql: Pool;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    db = await scratchDatabase();
    sql = new Pool({ connectionString: db.url, max: 2 });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill()));
    await sql?.end();
    await db?.drop();
  });

  it('keeps every acknowledged write and its AuditEvent, and the chain verifies after a restart', async () => {
    const first = await startServerProcess('killed', db.url, { MIGRATIONS_RUN: 'true' });
    servers.push(first);
    let killed!: () => void;
    const live: LoadResult = { outcomes: [], acknowledged: new Map(), reads: new Map() };
    const load = runWriteLoad({
      servers: () => [first.url],
      authorization: await adminAuth(),
      clients: 6,
      until: new Promise<void>((r) => (killed = r)),
      into: live,
    });
    // Killed in the middle of the load, once it has acknowledged a fair number of writes.
    const started = Date.now();
    while (live.acknowledged.size < 40 && Date.now() - started < 60_000) await sleep(100);
    await sleep(500);
    await first.kill();
    expect((await first.exited).signal).toBe('SIGKILL');
    killed();
    const result = await load;
    expect(result.acknowledged.size).toBeGreaterThanOrEqual(40);

    const second = await startServerProcess('restarted', db.url);
    servers.push(second);
    await expectNothingLost(sql, result);
    await chainVerifies(sql, second.url);
  });
});

interface Outage {
  load: LoadResult;
  ready: { at: number; status: number; ms: number }[];
  /** When the fault began and was complete, and when the repair began and was complete. */
  breaking: number;
  broken: number;
  repairing: number;
  repaired: number;
}

/** Steady load and a /readyz probe on `server`; `brk` and `repair` bracket `downMs` of outage. */
async function underLoad(server: ServerProcess, brk: () => Promise<void> | void, repair: () => Promise<void> | void, downMs: number): Promise<Outage> {
  let done!: () => void;
  const until = new Promise<void>((r) => (done = r));
  const loading = runWriteLoad({ servers: () => [server.url], authorization: await adminAuth(), clients: 4, until, pauseMs: 20, requestTimeoutMs: 30_000 });
  const ready: Outage['ready'] = [];
  const probe = (async () => {
    let stop = false;
    void until.then(() => (stop = true));
    while (!stop) {
      const at = Date.now();
      try {
        const res = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(30_000) });
        ready.push({ at, status: res.status, ms: Date.now() - at });
      } catch {
        ready.push({ at, status: 0, ms: Date.now() - at });
      }
      await sleep(250);
    }
  })();
  await sleep(3_000);
  const breaking = Date.now();
  await brk();
  const broken = Date.now();
  await sleep(downMs);
  const repairing = Date.now();
  await repair();
  const repaired = Date.now();
  // Recovery by itself: the load goes on until /readyz says ready again (at most 20 s), and 3 s more.
  while (Date.now() - repaired < 20_000 && !ready.some((x) => x.at > repaired && x.status === 200)) await sleep(200);
  await sleep(3_000);
  done();
  const load = await loading;
  await probe;
  return { load, ready, breaking, broken, repairing, repaired };
}

/** What a client may expect of an outage: prompt 503 OperationOutcomes, no hang, no crash, recovery by itself. */
function expectGracefulOutage(server: ServerProcess, x: Outage, boundMs: number): void {
  // The process stayed up (its last output says why, when it did not).
  expect({ alive: server.alive(), output: server.alive() ? '' : server.output().slice(-3000) }).toEqual({ alive: true, output: '' });
  const o = x.load.outcomes;
  // KT_OPS_DEBUG=1: what the load saw in each phase, and /readyz over time.
  if (process.env.KT_OPS_DEBUG) {
    const phase = (r: Outcome) =>
      r.startedAt < x.breaking ? 'before' : r.startedAt < x.broken ? 'breaking' : r.startedAt < x.repairing ? 'down' : r.startedAt < x.repaired ? 'repairing' : 'after';
    const summary: Record<string, Record<string, number>> = {};
    for (const r of o) {
      summary[phase(r)] ??= {};
      summary[phase(r)][r.status] = (summary[phase(r)][r.status] ?? 0) + 1;
    }
    console.log(JSON.stringify({ summary, maxMs: Math.max(...o.map((r) => r.ms)), ready: x.ready.map((r) => [r.at - x.breaking, r.status, r.ms]) }));
  }
  // No hung request, no dropped connection: every request got an answer, within the bound.
  expect(o.filter((r) => r.status === 0)).toEqual([]);
  expect(o.filter((r) => r.ms >= boundMs)).toEqual([]);
  // Every answer is a success or a 503 OperationOutcome.
  expect(o.filter((r) => !is2xx(r) && !(r.status === 503 && r.resourceType === 'OperationOutcome'))).toEqual([]);
  // While it was down nothing succeeded; and there was load then.
  const during = o.filter((r) => r.startedAt >= x.broken && r.startedAt + r.ms <= x.repairing);
  expect(during.length).toBeGreaterThan(5);
  expect(during.filter(is2xx)).toEqual([]);
  // It came back without a restart: writes and reads succeed again within a few seconds.
  const firstOk = o.filter((r) => r.startedAt >= x.repaired).find(is2xx);
  expect(firstOk).toBeDefined();
  expect(firstOk!.startedAt - x.repaired).toBeLessThan(10_000);
  const tail = o.filter((r) => r.startedAt >= firstOk!.startedAt + 1_000);
  expect(tail.length).toBeGreaterThan(5);
  expect(tail.filter((r) => !is2xx(r))).toEqual([]);
  expect(new Set(tail.map((r) => r.kind))).toEqual(new Set(['create', 'update', 'read', 'transaction']));
  // /readyz: 200 before, 503 during (within the bound), 200 after.
  expect(x.ready.filter((r) => r.at < x.breaking).every((r) => r.status === 200)).toBe(true);
  const readyDuring = x.ready.filter((r) => r.at >= x.broken && r.at + r.ms <= x.repairing);
  expect(readyDuring.length).toBeGreaterThan(0);
  expect(readyDuring.filter((r) => r.status !== 503 || r.ms >= boundMs)).toEqual([]);
  expect(x.ready[x.ready.length - 1].status).toBe(200);
}

describe('PostgreSQL outages under load', () => {
  let pg: OwnPostgres;
  let sql: Pool;
  let server: ServerProcess;

  beforeAll(async () => {
    pg = await startOwnPostgres();
    // Short database timeouts, so that a frozen server fails requests in seconds, not in a minute.
    server = await startServerProcess('outage', pg.url, { MIGRATIONS_RUN: 'true', DB_CONNECT_TIMEOUT_MS: '2000', DB_QUERY_TIMEOUT_MS: '3000' });
    sql = new Pool({ connectionString: pg.url, max: 2 });
    sql.on('error', () => undefined);
  });
  afterAll(async () => {
    await server?.kill();
    await sql?.end().catch(() => undefined);
    await pg?.destroy();
  });

  it('stopped (pg_ctl stop -m fast): 503 OperationOutcomes within 5 s while it is down, recovery by itself', async () => {
    const x = await underLoad(server, () => pg.stop(), () => pg.start(), 4_000);
    expectGracefulOutage(server, x, 5_000);
    await expectNothingLost(sql, x.load);
    await chainVerifies(sql, server.url);
  });

  it('frozen (SIGSTOP: connections open, no answers): 503 OperationOutcomes within the timeouts, recovery by itself', async () => {
    // Frozen for longer than the bound, so that a request held until the thaw fails the test.
    const x = await underLoad(server, () => pg.freeze(), () => pg.thaw(), 12_000);
    // At most the wait for a connection (2 s) plus one statement (3 s), and slack for a busy machine.
    expectGracefulOutage(server, x, 9_000);
    await expectNothingLost(sql, x.load);
    await chainVerifies(sql, server.url);
  });
});

import { Pool } from 'pg';
import { chainState, missingWrites, unauditedReads, unauditedWrites, verify, waitForSealed } from '../support/load-checks';
import { scratchDatabase, ServerProcess, startServerProcess } from '../support/server-process';
import { adminAuth, tokenFor } from '../support/tokens';
import { runWriteLoad } from '../support/write-load';

/**
 * Several instances on one database (CONTRACT.md, Operations; issue #8 item 3): two production
 * processes start at once on an empty database (migrations behind an advisory lock), take
 * concurrent load through both, and then every acknowledged write is there at the version
 * acknowledged with its AuditEvent, and the hash chain, sealed by whichever instance holds the
 * sealer's advisory lock, verifies and covers every event exactly once.
 */
jest.setTimeout(150_000);

describe('two instances on one database', () => {
  let db: { url: string; drop(): Promise<void> };
  let sql: Pool;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    db = await scratchDatabase();
    sql = new Pool({ connectionString: db.url, max: 2 });
    // Both migrate an empty database at once: one waits for the other's migration lock.
    servers.push(...(await Promise.all(['a', 'b'].map((n) => startServerProcess(`instance-${n}`, db.url, { MIGRATIONS_RUN: 'true' })))));
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await sql?.end();
    await db?.drop();
  });

  it('migrated once, with both instances ready', async () => {
    const applied = await sql.query<{ name: string; n: number }>('SELECT name, count(*)::int AS n FROM typeorm_migrations GROUP BY name');
    expect(applied.rows.length).toBeGreaterThan(0);
    expect(applied.rows.every((r) => r.n === 1)).toBe(true);
    for (const s of servers) expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  });

  it('concurrent load through both loses nothing, and the chain verifies', async () => {
    const auth = await adminAuth();
    const load = await runWriteLoad({
      servers: () => servers.map((s) => s.url),
      authorization: auth,
      clients: 6,
      until: new Promise((r) => setTimeout(r, 8_000)),
    });
    const failed = load.outcomes.filter((o) => o.status < 200 || o.status >= 300);
    expect(failed).toEqual([]);
    const kinds = new Set(load.outcomes.map((o) => o.kind));
    expect([...kinds].sort()).toEqual(['create', 'read', 'transaction', 'update']);
    for (const s of servers) expect(load.outcomes.filter((o) => o.server === s.url).length).toBeGreaterThan(20);

    expect(await missingWrites(sql, load)).toEqual({ missing: [], behind: [] });
    expect(await unauditedWrites(sql, load)).toEqual([]);
    expect(await unauditedReads(sql, load)).toEqual([]);

    // Sealed by one instance at a time: each event once, positions 1..n with no gap or repeat.
    const sealed = await waitForSealed(sql);
    expect(sealed.sealed).toBe(sealed.events);
    expect(sealed).toEqual({ ...sealed, distinctPos: sealed.events, distinctSeq: sealed.events, minPos: 1, maxPos: sealed.events });
    const auditor = `Bearer ${await tokenFor({ roles: ['auditor'], sub: 'ops-auditor' })}`;
    for (const s of servers) {
      const before = await chainState(sql);
      const v = await verify(s.url, auditor);
      expect(v).toEqual({ status: 200, result: true, checked: before.sealed, firstInvalid: undefined });
      await waitForSealed(sql);
    }
    for (const s of servers) {
      expect(s.alive()).toBe(true);
      expect(s.output()).not.toMatch(/audit seal round failed|audit insert failed/);
    }
  });
});

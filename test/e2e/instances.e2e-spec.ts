import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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
  // Export files live under DATA_DIR: instances behind one balancer share it (docker/compose.yaml).
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-ops-shared-'));

  beforeAll(async () => {
    db = await scratchDatabase();
    sql = new Pool({ connectionString: db.url, max: 2 });
    // Both migrate an empty database at once: one waits for the other's migration lock.
    servers.push(...(await Promise.all(['a', 'b'].map((n) => startServerProcess(`instance-${n}`, db.url, { MIGRATIONS_RUN: 'true', DATA_DIR: dataDir })))));
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await sql?.end();
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
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

  it('Bulk $export jobs kicked off on either instance are each claimed by one worker and served by both', async () => {
    const auth = await adminAuth();
    const patients = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Patient' AND NOT deleted`)).rows[0].n;
    expect(patients).toBeGreaterThan(10);
    const jobs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${servers[i % 2].url}/fhir/$export?_type=Patient`, { headers: { Authorization: auth, Prefer: 'respond-async', Accept: 'application/fhir+json' } });
      expect(res.status).toBe(202);
      jobs.push(new URL(res.headers.get('content-location')!).pathname);
    }
    for (const [i, job] of jobs.entries()) {
      // Polled on the other instance than the one that took the kick-off.
      const other = servers[(i + 1) % 2].url;
      let manifest: { output: { type: string; url: string; count: number }[]; error: unknown[] } | undefined;
      for (let t = 0; t < 300 && !manifest; t++) {
        const res = await fetch(`${other}${job}`, { headers: { Authorization: auth } });
        if (res.status === 200) manifest = (await res.json()) as typeof manifest;
        else {
          expect(res.status).toBe(202);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      expect(manifest?.error).toEqual([]);
      expect(manifest!.output.map((o) => [o.type, o.count])).toEqual([['Patient', patients]]);
      for (const s of servers) {
        const file = await fetch(`${s.url}${new URL(manifest!.output[0].url).pathname}`, { headers: { Authorization: auth } });
        expect(file.status).toBe(200);
        const ids = (await file.text()).trim().split('\n').map((l) => JSON.parse(l).id as string);
        expect(new Set(ids).size).toBe(patients);
      }
    }
    const claimed = await sql.query<{ status: string; worker: string | null }>(`SELECT status, worker FROM bulk_export_job`);
    expect(claimed.rows.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(claimed.rows.every((r) => r.worker)).toBe(true);
  });
});

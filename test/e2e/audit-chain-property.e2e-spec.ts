import fc from 'fast-check';
import { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { buildAuditRecord } from '../../src/audit/audit-event.builder';
import { insertAuditRecords } from '../../src/audit/audit-insert';
import { AuditSealer } from '../../src/audit/audit-sealer';
import { verifyChain } from '../../src/audit/audit-verifier';
import { Database } from '../../src/database/database';
import { ScratchDatabase, scratchDatabase } from '../support/scratch-database';

/**
 * STYLE.md: "random interleavings of writes leave a chain that verifies". Transactions insert
 * AuditEvents, hold them open across sealing rounds, commit or roll back in any order; the
 * sealer (tiny batches, so backlogs happen) must seal every committed event exactly once and
 * never a rolled-back one, and the chain must verify.
 */
describe('audit chain under random interleavings (property)', () => {
  let scratch: ScratchDatabase;
  let pool: Pool;
  let db: Database;

  beforeAll(async () => {
    scratch = await scratchDatabase('audit_prop');
    const url = scratch.url;
    const ds = new DataSource({ type: 'postgres', url, migrations: MIGRATIONS, migrationsTableName: 'typeorm_migrations' });
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    await ds.destroy();
    pool = new Pool({ connectionString: url, max: 12 });
    // The scratch database is dropped WITH (FORCE) at the end: a connection a sealer still holds
    // then ends with 57P01, which must not surface as an unhandled 'error' event.
    pool.on('connect', (c) => c.on('error', () => undefined));
    pool.on('error', () => undefined);
    db = new Database(pool);
  });
  afterAll(async () => {
    await pool.end();
    await scratch?.drop();
  });

  type Step = { op: 'open'; events: number } | { op: 'commit'; which: number } | { op: 'rollback'; which: number } | { op: 'seal' };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('open' as const), events: fc.integer({ min: 1, max: 9 }) }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('commit' as const), which: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('rollback' as const), which: fc.nat() }) },
    { weight: 2, arbitrary: fc.constant({ op: 'seal' as const }) },
  );
  const quiet = { warn: () => undefined, error: () => undefined };
  const record = () => buildAuditRecord({ ctx: { requestId: 'p', baseUrl: '' }, type: 'rest', subtype: 'read', action: 'R', outcome: '0', entities: ['Patient/p'] });

  it('seals every committed event exactly once, in a chain that verifies', async () => {
    const committed = new Set<string>();
    const rolledBack = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), fc.integer({ min: 1, max: 7 }), async (steps, batch) => {
        const sealer = new AuditSealer(db, quiet, { batch });
        const open: { client: PoolClient; ids: string[] }[] = [];
        try {
          for (const s of steps) {
            if (s.op === 'open' && open.length < 8) {
              const client = await pool.connect();
              await client.query('BEGIN');
              const records = Array.from({ length: s.events }, record);
              await insertAuditRecords(client, records);
              open.push({ client, ids: records.map((r) => r.id) });
            } else if ((s.op === 'commit' || s.op === 'rollback') && open.length > 0) {
              const [tx] = open.splice(s.which % open.length, 1);
              await tx.client.query(s.op === 'commit' ? 'COMMIT' : 'ROLLBACK');
              tx.client.release();
              for (const id of tx.ids) (s.op === 'commit' ? committed : rolledBack).add(id);
            } else if (s.op === 'seal') {
              await sealer.sealNow();
            }
          }
        } finally {
          for (const tx of open.splice(0)) {
            await tx.client.query('COMMIT');
            tx.client.release();
            for (const id of tx.ids) committed.add(id);
          }
        }
        await sealer.sealNow();
        const sealed = (await pool.query<{ id: string }>('SELECT id FROM audit_seal')).rows.map((r) => r.id);
        expect(sealed.length).toBe(new Set(sealed).size);
        expect(new Set(sealed)).toEqual(committed);
        expect(sealed.filter((id) => rolledBack.has(id))).toEqual([]);
        expect(await verifyChain(db)).toEqual({ result: true, checked: committed.size });
      }),
      { numRuns: 30 },
    );
  });
});

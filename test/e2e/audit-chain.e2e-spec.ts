import { buildAuditRecord } from '../../src/audit/audit-event.builder';
import { insertAuditRecords } from '../../src/audit/audit-insert';
import { AuditSealer, sealLagSeconds } from '../../src/audit/audit-sealer';
import { startSeededServer, SeededServer } from '../support/seeded-server';
import { startTestServer } from '../support/test-app';
import { tokenFor } from '../support/tokens';

/**
 * CONTRACT.md "Audit": append-only in the database, a SHA-256 chain sealed in commit order,
 * `$verify` naming the first event altered behind the application's back, and fail-closed reads.
 * A database of its own: these tests break the chain on purpose.
 */
describe('audit chain: append-only, sealed, verified, fail closed', () => {
  let s: SeededServer;
  let auditor: string;
  let patientId: string;
  const seal = () => s.app.app.get(AuditSealer).sealNow();
  const verify = async () => {
    const r = await s.as(auditor).get('/fhir/AuditEvent/$verify');
    expect(r.status).toBe(200);
    const p = JSON.parse(r.text);
    expect(p.resourceType).toBe('Parameters');
    return Object.fromEntries(p.parameter.map((x: any) => [x.name, x.valueBoolean ?? x.valueInteger ?? x.valueString]));
  };
  const count = async (sql: string) => Number((await s.sql.query(sql)).rows[0].n);
  /** Superuser tampering: the trigger is switched off for one statement, as an attacker with DBA rights would. */
  async function behindTheBack(table: string, sql: string, values: unknown[] = []): Promise<void> {
    const c = await s.sql.connect();
    try {
      await c.query('BEGIN');
      await c.query(`ALTER TABLE ${table} DISABLE TRIGGER ${table}_append_only`);
      await c.query(sql, values);
      await c.query(`ALTER TABLE ${table} ENABLE TRIGGER ${table}_append_only`);
      await c.query('COMMIT');
    } finally {
      c.release();
    }
  }

  beforeAll(async () => {
    s = await startSeededServer({ seed: false });
    auditor = `Bearer ${await tokenFor({ roles: ['auditor'] })}`;
    const created = await s.api.post('/fhir/Patient').set('Content-Type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Цепочкина' }] }));
    patientId = JSON.parse(created.text).id;
    for (let i = 0; i < 5; i++) expect((await s.api.get(`/fhir/Patient/${patientId}`)).status).toBe(200);
  });
  afterAll(async () => {
    await s.close();
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit tables in the database itself', async () => {
    for (const [table, sql] of [
      ['audit_event', `UPDATE audit_event SET outcome = '0'`],
      ['audit_event', `DELETE FROM audit_event`],
      ['audit_event', `TRUNCATE audit_event`],
      ['audit_link', `DELETE FROM audit_link`],
      ['audit_seal', `UPDATE audit_seal SET hash = hash`],
      ['audit_seal', `TRUNCATE audit_seal`],
    ]) {
      await expect(s.sql.query(sql)).rejects.toMatchObject({
        code: '42501',
        message: expect.stringMatching(new RegExp(`^the audit log is append-only: (UPDATE|DELETE|TRUNCATE) on ${table} is refused$`)),
      });
    }
    // Even a statement that matches no row is refused.
    await expect(s.sql.query(`DELETE FROM audit_event WHERE id = 'none'`)).rejects.toMatchObject({ code: '42501' });
    expect(await count('SELECT count(*) AS n FROM audit_event')).toBeGreaterThanOrEqual(7);
  });

  it('seals every committed event and verifies the chain', async () => {
    await seal();
    const events = await count('SELECT count(*) AS n FROM audit_event');
    expect(await count('SELECT count(*) AS n FROM audit_seal')).toBe(events);
    expect(await verify()).toEqual({ result: true, checked: events });
    expect(sealLagSeconds()).toBe(0);
  });

  it('chains a late-committing event after the ones that committed before it (the gap problem)', async () => {
    const held = await s.sql.connect();
    try {
      await held.query('BEGIN');
      const late = buildAuditRecord({ ctx: { requestId: 'late', baseUrl: '' }, type: 'rest', subtype: 'read', action: 'R', outcome: '0', entities: [`Patient/${patientId}`], patients: [patientId] });
      await insertAuditRecords(held, [late]);
      const lateSeq = (await held.query('SELECT seq FROM audit_event WHERE id = $1', [late.id])).rows[0].seq;
      // Later seq numbers commit first.
      for (let i = 0; i < 3; i++) expect((await s.api.get(`/fhir/Patient/${patientId}`)).status).toBe(200);
      await seal();
      const sealedAfter = await s.sql.query('SELECT seq FROM audit_seal WHERE seq > $1', [lateSeq]);
      expect(sealedAfter.rows.length).toBeGreaterThanOrEqual(3);
      expect(await count(`SELECT count(*) AS n FROM audit_seal WHERE seq = ${lateSeq}`)).toBe(0);
      await held.query('COMMIT');
      await seal();
      const pos = await s.sql.query('SELECT pos, seq FROM audit_seal WHERE seq >= $1 ORDER BY pos', [lateSeq]);
      // The late row sealed after rows with higher seq numbers: chain order is commit order.
      expect(pos.rows[pos.rows.length - 1].seq).toBe(lateSeq);
      const events = await count('SELECT count(*) AS n FROM audit_event');
      expect(await count('SELECT count(*) AS n FROM audit_seal')).toBe(events);
      expect(await verify()).toEqual({ result: true, checked: events });
    } finally {
      held.release();
    }
  });

  it('never seals a rolled-back event and leaves no hole to wait for', async () => {
    const c = await s.sql.connect();
    try {
      await c.query('BEGIN');
      await insertAuditRecords(c, [buildAuditRecord({ ctx: { requestId: 'gone', baseUrl: '' }, type: 'rest', action: 'R', outcome: '0', entities: [] })]);
      await c.query('ROLLBACK');
    } finally {
      c.release();
    }
    expect((await s.api.get(`/fhir/Patient/${patientId}`)).status).toBe(200);
    await seal();
    const events = await count('SELECT count(*) AS n FROM audit_event');
    expect(await count('SELECT count(*) AS n FROM audit_seal')).toBe(events);
    expect((await verify()).result).toBe(true);
  });

  it('names the first event whose content was altered, and verifies again once it is restored', async () => {
    await seal();
    const victim = (await s.sql.query(`SELECT id, content FROM audit_event ORDER BY seq OFFSET 3 LIMIT 1`)).rows[0];
    await behindTheBack('audit_event', `UPDATE audit_event SET content = replace(content, '"outcome":"0"', '"outcome":"4"') WHERE id = $1`, [victim.id]);
    const broken = await verify();
    expect(broken.result).toBe(false);
    expect(broken.firstInvalid).toBe(victim.id);
    expect(broken.checked).toBe(4);
    await behindTheBack('audit_event', `UPDATE audit_event SET content = $2 WHERE id = $1`, [victim.id, victim.content]);
    expect((await verify()).result).toBe(true);
  });

  it('names an event whose search columns were altered to hide it (patients, outcome)', async () => {
    const victim = (await s.sql.query(`SELECT id, patients FROM audit_event WHERE cardinality(patients) > 0 ORDER BY seq DESC OFFSET 1 LIMIT 1`)).rows[0];
    await behindTheBack('audit_event', `UPDATE audit_event SET patients = '{}' WHERE id = $1`, [victim.id]);
    expect(await verify()).toMatchObject({ result: false, firstInvalid: victim.id });
    await behindTheBack('audit_event', `UPDATE audit_event SET patients = $2 WHERE id = $1`, [victim.id, victim.patients]);
    expect((await verify()).result).toBe(true);
  });

  it('names an event that was deleted, and the successor of a removed seal', async () => {
    const [a, b] = (await s.sql.query(`SELECT id, seq FROM audit_seal ORDER BY pos OFFSET 5 LIMIT 2`)).rows;
    await behindTheBack('audit_seal', `DELETE FROM audit_seal WHERE seq = $1`, [a.seq]);
    expect(await verify()).toMatchObject({ result: false, firstInvalid: b.id });
    const victim = (await s.sql.query(`SELECT id FROM audit_seal ORDER BY pos OFFSET 2 LIMIT 1`)).rows[0];
    await behindTheBack('audit_event', `DELETE FROM audit_event WHERE id = $1`, [victim.id]);
    expect(await verify()).toMatchObject({ result: false, firstInvalid: victim.id, checked: 3 });
  });

  it('fails a read closed (503, no data) when its AuditEvent cannot be stored', async () => {
    await s.sql.query(`CREATE FUNCTION kt_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store down'; END $$`);
    await s.sql.query(`CREATE TRIGGER kt_test_refuse BEFORE INSERT ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION kt_test_refuse()`);
    try {
      const r = await s.api.get(`/fhir/Patient/${patientId}`);
      expect(r.status).toBe(503);
      const body = JSON.parse(r.text);
      expect(body.resourceType).toBe('OperationOutcome');
      expect(body.issue[0].code).toBe('transient');
      expect(r.text).not.toContain('Цепочкина');
      const search = await s.api.get('/fhir/Patient?_count=5');
      expect(search.status).toBe(503);
      expect(search.text).not.toContain('Цепочкина');
      // A write cannot commit without its AuditEvent either.
      const before = await count(`SELECT count(*) AS n FROM resource WHERE resource_type = 'Patient'`);
      const w = await s.api.post('/fhir/Patient').set('Content-Type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Без-аудита' }] }));
      expect(w.status).toBe(503);
      expect(await count(`SELECT count(*) AS n FROM resource WHERE resource_type = 'Patient'`)).toBe(before);
    } finally {
      await s.sql.query('DROP TRIGGER kt_test_refuse ON audit_event');
      await s.sql.query('DROP FUNCTION kt_test_refuse()');
    }
    expect((await s.api.get(`/fhir/Patient/${patientId}`)).status).toBe(200);
  });
});

describe('AUDIT_ENABLED=false', () => {
  it('records nothing (only for measuring what auditing costs)', async () => {
    const s = await startSeededServer({ seed: false });
    const off = await startTestServer({ DATABASE_URL: s.databaseUrl, AUDIT_ENABLED: 'false' });
    try {
      const before = Number((await s.sql.query('SELECT count(*) AS n FROM audit_event')).rows[0].n);
      const created = await off.api.post('/fhir/Patient').set('Content-Type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Patient', gender: 'female' }));
      expect(created.status).toBe(201);
      expect((await off.api.get(`/fhir/Patient/${JSON.parse(created.text).id}`)).status).toBe(200);
      expect(Number((await s.sql.query('SELECT count(*) AS n FROM audit_event')).rows[0].n)).toBe(before);
    } finally {
      await off.close();
      await s.close();
    }
  });
});

import { startTestServer, TestServer } from '../support/test-app';

/**
 * Behind a load balancer (docker/compose.yaml): with TRUST_PROXY naming the proxy, the client
 * address audited is the one the proxy forwards; without it, a forwarded address is ignored (a
 * client cannot forge its audited address by sending the header itself).
 */
describe('TRUST_PROXY and the audited client address', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  async function auditedAddressOfRead(s: TestServer, forwardedFor: string): Promise<string | undefined> {
    const created = await s.api.post('/fhir/Patient').set('Content-Type', 'application/fhir+json').send('{"resourceType":"Patient","gender":"male"}');
    expect(created.status).toBe(201);
    const id = JSON.parse(created.text).id as string;
    const read = await s.api.get(`/fhir/Patient/${id}`).set('X-Forwarded-For', forwardedFor);
    expect(read.status).toBe(200);
    // The read's AuditEvent was stored before the answer (fail closed).
    const row = await s.sql.query<{ content: string }>(
      `SELECT e.content FROM audit_event e JOIN audit_link l ON l.seq = e.seq
        WHERE l.kind = 'e' AND l.ref = $1 AND e.subtype = 'read' ORDER BY e.seq DESC LIMIT 1`,
      [`Patient/${id}`],
    );
    expect(row.rows).toHaveLength(1);
    return JSON.parse(row.rows[0].content).agent[0].network?.address;
  }

  it('audits the forwarded address when the proxy is trusted', async () => {
    const s = await startTestServer({ TRUST_PROXY: '127.0.0.1' });
    servers.push(s);
    expect(await auditedAddressOfRead(s, '203.0.113.7')).toBe('203.0.113.7');
  });

  it('ignores X-Forwarded-For by default', async () => {
    const s = await startTestServer();
    servers.push(s);
    expect(await auditedAddressOfRead(s, '203.0.113.7')).toBe('127.0.0.1');
  });
});

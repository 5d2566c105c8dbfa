import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { startTestServer, TestServer } from '../support/test-app';
import { testKeys, tokenFor } from '../support/tokens';

describe('operations: metrics, rate limiting, request ids', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it('/metrics exposes requests by interaction and status, latency and pool use, with no ids or PHI in labels', async () => {
    const created = JSON.parse((await s.api.post('/fhir/Patient').set('Content-Type', 'application/fhir+json').send('{"resourceType":"Patient","name":[{"family":"Метрикова"}]}')).text);
    await s.api.get(`/fhir/Patient/${created.id}`);
    await s.api.get('/fhir/Patient/missing-one');
    const res = await s.as('').get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/kartoteka_http_requests_total\{interaction="read",status="200"\} \d+/);
    expect(res.text).toMatch(/kartoteka_http_requests_total\{interaction="read",status="404"\} \d+/);
    expect(res.text).toMatch(/kartoteka_http_requests_total\{interaction="create",status="201"\} \d+/);
    expect(res.text).toMatch(/kartoteka_http_request_duration_seconds_bucket\{le="0.005",interaction="read"\} \d+/);
    expect(res.text).toMatch(/kartoteka_db_pool_total \d+/);
    expect(res.text).not.toContain(created.id);
    expect(res.text).not.toContain('Метрикова');
    expect(res.text).not.toContain('missing-one');
  });

  it('rate limits per client with 429 and Retry-After when configured', async () => {
    // One token per 100 s: the refill cannot hide the limit however slow the machine is.
    const limited = await startTestServer({ RATE_LIMIT_PER_SECOND: '0.01', RATE_LIMIT_BURST: '3' });
    try {
      const auth = `Bearer ${await tokenFor({ roles: ['admin'], sub: 'busy-client' })}`;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await limited.as(auth).get('/fhir/metadata')).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429, 429]);
      const res = await limited.as(auth).get('/fhir/metadata');
      expect(res.status).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(90);
      expect(JSON.parse(res.text).issue[0].code).toBe('throttled');
      const other = `Bearer ${await tokenFor({ roles: ['admin'], sub: 'quiet-client' })}`;
      expect((await limited.as(other).get('/fhir/metadata')).status).toBe(200);
      expect((await limited.as('').get('/healthz')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('SIGTERM', () => {
  it('stops accepting, finishes the in-flight request, and exits 0', async () => {
    const { publicKeyFile } = await testKeys();
    const main = path.resolve(__dirname, '../../dist/src/main.js');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        DATABASE_URL: process.env.KT_TEST_DATABASE_URL,
        PORT: String(port),
        SEED_DEMO: 'false',
        MIGRATIONS_RUN: 'false',
        LOG_LEVEL: 'info',
        AUTH_PUBLIC_KEY_FILE: publicKeyFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 200 && !out.includes('Kartoteka is listening'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('Kartoteka is listening');
    const auth = `Bearer ${await tokenFor({ roles: ['admin'] })}`;
    const body = JSON.stringify({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: Array.from({ length: 300 }, () => ({ resource: { resourceType: 'Patient', name: [{ family: 'Сигтермов' }] }, request: { method: 'POST', url: 'Patient' } })),
    });
    const inflight = fetch(`http://127.0.0.1:${port}/fhir`, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/fhir+json' }, body });
    await new Promise((r) => setTimeout(r, 30));
    child.kill('SIGTERM');
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(await exited).toBe(0);
    expect(out).toContain('shutdown complete');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});

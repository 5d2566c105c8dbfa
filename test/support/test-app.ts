import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { App, createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/observability/logger';
import supertest from 'supertest';
import { adminAuth, testKeys } from './tokens';

export interface TestServer {
  app: App;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** e.g. http://127.0.0.1:41234/fhir */
  base: string;
  /** A separate pool for assertions made behind the application's back. */
  sql: Pool;
  /** supertest with an admin token on every request. */
  api: supertest.Agent;
  /** supertest with the given `Authorization` value on every request. */
  as(authorization: string): supertest.Agent;
  close(): Promise<void>;
}

/** The real server (Fastify, Nest, PostgreSQL) on an ephemeral loopback port. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const databaseUrl = process.env.KT_TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error('KT_TEST_DATABASE_URL is not set: run through jest (global-setup)');
  const { publicKeyFile } = await testKeys();
  const config = loadConfig({
    AUTH_PUBLIC_KEY_FILE: publicKeyFile,
    DATABASE_URL: databaseUrl,
    MIGRATIONS_RUN: 'false',
    SEED_DEMO: 'false',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    DB_POOL_SIZE: '10',
    ...env,
  });
  const app = await createApp(config, createLogger(config.logLevel));
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const sql = new Pool({ connectionString: config.databaseUrl ?? databaseUrl, max: 2 });
  const admin = await adminAuth();
  const as = (authorization: string) => supertest.agent(url).set('Authorization', authorization);
  return {
    app,
    api: as(admin),
    as,
    url,
    base: `${url}/fhir`,
    sql,
    close: async () => {
      await sql.end();
      await app.app.close();
    },
  };
}

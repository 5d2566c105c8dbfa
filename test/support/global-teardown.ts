import * as fs from 'node:fs';
import { Client } from 'pg';
import type { EmbeddedPostgresHandle } from '../../src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const drop = g.__KT_DROP__ as { admin: string; name: string } | undefined;
  if (drop) {
    const admin = new Client({ connectionString: drop.admin });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${drop.name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
  const emb = g.__KT_EMBEDDED__ as { handle: EmbeddedPostgresHandle; dataDir: string } | undefined;
  if (emb) {
    await emb.handle.stop();
    fs.rmSync(emb.dataDir, { recursive: true, force: true });
  }
}

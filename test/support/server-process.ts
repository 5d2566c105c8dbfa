import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { testKeys } from './tokens';

export { scratchDatabase } from './scratch-database';

/**
 * The production start (`node dist/src/main.js`) as a child process, for tests that need a real
 * process to kill, several processes on one database, or a database that goes away. `npm test`
 * builds dist first (pretest).
 */
export interface ServerProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** Everything the process wrote (stdout and stderr), for assertions and failure messages. */
  output(): string;
  alive(): boolean;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, no grace. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const MAIN = path.resolve(__dirname, '../../dist/src/main.js');

export async function startServerProcess(
  name: string,
  databaseUrl: string,
  env: Record<string, string> = {},
  readyTimeoutMs = 60_000,
): Promise<ServerProcess> {
  const { publicKeyFile } = await testKeys();
  const port = env.PORT ? Number(env.PORT) : await freePort();
  // DATA_DIR (export files) may be given to share it between instances; else one of its own.
  const ownDataDir = !env.DATA_DIR;
  const dataDir = env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), `kt-ops-${name}-`));
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      SEED_DEMO: 'false',
      MIGRATIONS_RUN: 'false',
      LOG_LEVEL: 'warn',
      AUTH_PUBLIC_KEY_FILE: publicKeyFile,
      DB_POOL_SIZE: '10',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${port}`;
  const proc: ServerProcess = {
    name,
    url,
    child,
    output: () => out,
    alive,
    exited,
    kill: async () => {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    stop: async (graceMs = 20_000) => {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
      if ((await Promise.race([exited, timer])) === 'timeout') child.kill('SIGKILL');
      await exited;
    },
  };
  if (ownDataDir) void exited.then(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`${name} exited before it listened:\n${out.slice(-3000)}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return proc;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await proc.kill();
      throw new Error(`${name} did not listen within ${readyTimeoutMs} ms:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}


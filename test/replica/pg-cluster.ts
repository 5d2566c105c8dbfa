import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

/**
 * A throwaway PostgreSQL primary and a streaming replica made with pg_basebackup, on loopback
 * ports of their own, from the machine's PostgreSQL binaries (Debian's postgresql package).
 * As root, every binary runs as the OS user `postgres`, as PostgreSQL requires.
 */
export interface PgPair {
  primaryUrl: string;
  replicaUrl: string;
  stop(): Promise<void>;
}

export function findPgBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(bin, 'pg_basebackup')) && fs.existsSync(path.join(bin, 'initdb'))) return bin;
  }
  return undefined;
}

const asPostgres = (bin: string, args: string[]) =>
  process.getuid?.() === 0 ? { cmd: 'runuser', args: ['-u', 'postgres', '--', bin, ...args] } : { cmd: bin, args };

function run(bin: string, args: string[]): void {
  const c = asPostgres(bin, args);
  execFileSync(c.cmd, c.args, { stdio: 'pipe' });
}

function startServer(bin: string, dir: string, port: number): ChildProcess {
  const c = asPostgres(path.join(bin, 'postgres'), ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', dir]);
  return spawn(c.cmd, c.args, { stdio: 'ignore' });
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const c = new Client({ connectionString: url });
    try {
      await c.connect();
      await c.end();
      return;
    } catch {
      await c.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`PostgreSQL at ${url} did not start`);
}

export async function startPrimaryAndReplica(bin: string): Promise<PgPair> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-replica-'));
  fs.chmodSync(root, 0o777);
  const primaryDir = path.join(root, 'primary');
  const replicaDir = path.join(root, 'replica');
  const base = 40000 + Math.floor(Math.random() * 10000);
  const [pPort, rPort] = [base, base + 1];
  run(path.join(bin, 'initdb'), ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
  fs.appendFileSync(
    path.join(primaryDir, 'postgresql.conf'),
    `\nwal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n`,
  );
  fs.appendFileSync(path.join(primaryDir, 'pg_hba.conf'), `\nhost replication all 127.0.0.1/32 trust\n`);
  const primary = startServer(bin, primaryDir, pPort);
  const primaryUrl = `postgres://postgres@127.0.0.1:${pPort}/postgres`;
  await waitReady(primaryUrl);
  run(path.join(bin, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(pPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream']);
  // As docker/compose.yaml runs it (hot_standby_feedback: vacuum on the primary cancels no replica
  // read), but a replayed lock cancels a conflicting replica query after 1 s instead of 30 s, so a
  // test can provoke a genuine recovery conflict quickly.
  fs.appendFileSync(path.join(replicaDir, 'postgresql.conf'), `\nhot_standby_feedback = on\nmax_standby_streaming_delay = 1s\n`);
  const replica = startServer(bin, replicaDir, rPort);
  const replicaUrl = `postgres://postgres@127.0.0.1:${rPort}/postgres`;
  await waitReady(replicaUrl);
  const stopOne = async (p: ChildProcess, dir: string) => {
    const exited = new Promise<void>((r) => (p.exitCode !== null ? r() : p.once('exit', () => r())));
    try {
      run(path.join(bin, 'pg_ctl'), ['stop', '-D', dir, '-m', 'fast', '-w']);
    } catch {
      p.kill('SIGKILL');
    }
    await exited;
  };
  return {
    primaryUrl,
    replicaUrl,
    stop: async () => {
      await stopOne(replica, replicaDir);
      await stopOne(primary, primaryDir);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

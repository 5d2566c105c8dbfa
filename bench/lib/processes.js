'use strict';
// Child processes the bench starts, and their CPU use read from /proc (Linux), so the report can
// say who was busy: the app, PostgreSQL, the load generator, or something else on the machine.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');

const children = new Set();

/** Starts `node args` in its own process group, so a forced stop also reaches what it spawned. */
function startNode(name, args, env, cwd) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.benchName = name;
  child.outputTail = '';
  const keep = (chunk) => {
    child.outputTail = (child.outputTail + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  children.add(child);
  child.exited.then(() => children.delete(child));
  return child;
}

function alive(child) {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM (graceful: the app stops its embedded PostgreSQL), then SIGKILL to the whole group. */
async function stop(child, graceMs = 20000) {
  if (!alive(child)) return;
  child.kill('SIGTERM');
  const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
  if ((await Promise.race([child.exited, timer])) === 'timeout') {
    process.stderr.write(`${child.benchName} did not stop in ${graceMs} ms; killing its process group\n`);
    killGroup(child);
    await child.exited;
  }
  // Anything left in the group (an orphaned PostgreSQL backend) goes too.
  killGroup(child);
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* the group is already gone */
  }
}

async function stopAll() {
  await Promise.all([...children].map((c) => stop(c)));
}

/** Last resort on an abrupt exit: no waiting possible, so the groups are killed outright. */
function killAllNow() {
  for (const c of children) killGroup(c);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && !alive(child)) {
      throw new Error(`${child.benchName} exited before it was ready:\n${child.outputTail}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---- CPU accounting from /proc -------------------------------------------------------------

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function readProcesses() {
  const out = [];
  let dirs = [];
  try {
    dirs = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const d of dirs) {
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    out.push({ pid: Number(d), comm, ppid: Number(f[1]), pgrp: Number(f[2]), ticks: Number(f[11]) + Number(f[12]) });
  }
  return out;
}

function machineTicks() {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = cpu[3] + (cpu[4] || 0);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** Is pid a descendant of root? (PostgreSQL's children call setsid(), so process groups miss them.) */
function descendsFrom(byPid, pid, root) {
  for (let p = byPid.get(pid), hops = 0; p && hops < 64; p = byPid.get(p.ppid), hops++) {
    if (p.ppid === root) return true;
  }
  return false;
}

/** With an external PostgreSQL, BENCH_PG_POSTMASTER (its postmaster's pid) counts only that cluster. */
const PG_POSTMASTER = Number(process.env.BENCH_PG_POSTMASTER || 0);

/**
 * Groups: app = the server's node process; pg = its descendants (the embedded PostgreSQL) or, with
 * an external DATABASE_URL, every process named "postgres" (of one cluster with BENCH_PG_POSTMASTER); ceiling = the ceiling server;
 * loadgen = this process; other = everything else busy on the machine.
 */
function cpuSnapshot(server, ceiling, externalPg) {
  const procs = readProcesses();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  // Per-process ticks, so a process that exits between two snapshots cannot make a delta negative.
  const ticks = (pred) => new Map(procs.filter(pred).map((p) => [p.pid, p.ticks]));
  const usage = process.cpuUsage();
  return {
    at: process.hrtime.bigint(),
    app: ticks((p) => server && p.pid === server.pid),
    pg: ticks((p) =>
      externalPg
        ? p.comm === 'postgres' && (!PG_POSTMASTER || p.pid === PG_POSTMASTER || descendsFrom(byPid, p.pid, PG_POSTMASTER))
        : server && descendsFrom(byPid, p.pid, server.pid),
    ),
    ceiling: ticks((p) => ceiling && p.pgrp === ceiling.pid),
    loadgenUs: usage.user + usage.system,
    machine: machineTicks(),
  };
}

/** Percent of one core per group between two snapshots (200% = both cores of a 2-core machine). */
function cpuBetween(a, b) {
  const seconds = Number(b.at - a.at) / 1e9;
  const pct = (ticks) => (100 * ticks) / TICKS_PER_SECOND / seconds;
  const delta = (x, y) => [...y].reduce((sum, [pid, t]) => sum + Math.max(0, t - (x.get(pid) || 0)), 0);
  const app = pct(delta(a.app, b.app));
  const pg = pct(delta(a.pg, b.pg));
  const ceiling = pct(delta(a.ceiling, b.ceiling));
  const loadgen = (100 * (b.loadgenUs - a.loadgenUs)) / 1e6 / seconds;
  const machine = pct(b.machine.busy - a.machine.busy);
  return { app, pg, ceiling, loadgen, machine, other: Math.max(0, machine - app - pg - ceiling - loadgen) };
}

/**
 * Raises the CPU priority of the bench's processes (this one, the children and everything they
 * started, such as PostgreSQL backends) on a shared machine. Needs root. With autogroup scheduling
 * a process's nice value only counts inside its session, and the children and every PostgreSQL
 * backend run in sessions of their own, so each session's autogroup is reniced as well.
 */
function prioritize(nice, roots) {
  const procs = readProcesses();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const ids = roots.filter(Boolean).map((r) => r.pid);
  const mine = procs.filter((p) => p.pid === process.pid || ids.some((id) => p.pid === id || descendsFrom(byPid, p.pid, id)));
  let done = 0;
  for (const p of mine) {
    try {
      os.setPriority(p.pid, nice);
      done++;
    } catch {
      /* not permitted, or gone */
    }
    try {
      fs.writeFileSync(`/proc/${p.pid}/autogroup`, String(nice));
    } catch {
      /* no autogroup scheduling here */
    }
  }
  return done;
}

/** Samples the machine until it is nearly idle (other work skews every figure), or gives up. */
async function waitForQuiet(maxMs, thresholdPct = 25) {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const a = { at: process.hrtime.bigint(), m: machineTicks() };
    await new Promise((r) => setTimeout(r, 2000));
    const seconds = Number(process.hrtime.bigint() - a.at) / 1e9;
    const busy = (100 * (machineTicks().busy - a.m.busy)) / TICKS_PER_SECOND / seconds;
    if (busy < thresholdPct || Date.now() > deadline) return busy;
  }
}

module.exports = { startNode, stop, stopAll, killAllNow, freePort, waitForHttp, cpuSnapshot, cpuBetween, waitForQuiet, prioritize };

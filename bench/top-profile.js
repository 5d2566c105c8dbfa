'use strict';
// Top self-time functions of a V8 .cpuprofile (node --cpu-prof), summed by function + script.
// Usage: node bench/top-profile.js <file.cpuprofile | directory (newest file)> [N] [--from-ms MS]
// (--from-ms: only samples at least MS after the profile started, e.g. to leave start-up out).
const fs = require('node:fs');
const path = require('node:path');

function newestProfile(dir) {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (!files.length) throw new Error(`no .cpuprofile in ${dir}`);
  return files[0];
}

function shortUrl(url) {
  if (!url) return '';
  const p = url.replace(/^file:\/\//, '');
  const nm = p.lastIndexOf('/node_modules/');
  if (nm >= 0) return p.slice(nm + 1);
  const cwd = process.cwd() + path.sep;
  return p.startsWith(cwd) ? p.slice(cwd.length) : p;
}

/**
 * Self time per node: sample i lasts until sample i+1 (timeDeltas[i+1]), the last until endTime,
 * as Chrome DevTools' CPUProfileDataModel counts it.
 */
function topSelfTime(profile, n = 15, { fromMs = 0 } = {}) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  let t = profile.startTime;
  const stamps = timeDeltas.map((d) => (t += d));
  const from = profile.startTime + fromMs * 1000;
  for (let i = 0; i < samples.length; i++) {
    if (stamps[i] < from) continue;
    const dur = (i + 1 < stamps.length ? stamps[i + 1] : profile.endTime) - stamps[i];
    selfUs.set(samples[i], (selfUs.get(samples[i]) || 0) + Math.max(0, dur));
  }
  const byFunction = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const name = functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const key = `${name}\u0000${url}\u0000${url ? lineNumber + 1 : ''}`;
    byFunction.set(key, (byFunction.get(key) || 0) + us);
  }
  const rows = [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, us]) => {
      const [fn, url, line] = key.split('\u0000');
      return { fn, where: url ? `${shortUrl(url)}:${line}` : '', ms: us / 1000, pct: (100 * us) / total };
    });
  return { rows, busyMs: total / 1000, idleMs: idle / 1000 };
}

function format({ rows, busyMs, idleMs }) {
  const lines = [`busy ${busyMs.toFixed(0)} ms, idle ${idleMs.toFixed(0)} ms; top self time (share of busy):`];
  for (const r of rows) {
    lines.push(`${r.ms.toFixed(0).padStart(8)} ms ${r.pct.toFixed(1).padStart(5)}%  ${r.fn}  ${r.where}`);
  }
  return lines.join('\n');
}

module.exports = { topSelfTime, newestProfile, format };

if (require.main === module) {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--from-ms');
  const fromMs = at >= 0 ? Number(argv.splice(at, 2)[1]) : 0;
  const arg = argv[0] || path.join(__dirname, 'results');
  const file = fs.statSync(arg).isDirectory() ? newestProfile(arg) : arg;
  const n = Number(argv[1] || 15);
  process.stdout.write(`${file}\n${format(topSelfTime(JSON.parse(fs.readFileSync(file, 'utf8')), n, { fromMs }))}\n`);
}

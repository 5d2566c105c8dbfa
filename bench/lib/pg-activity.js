'use strict';
// Samples pg_stat_activity while a scenario runs: how many of the app's sessions were active, what
// they waited on (or "CPU" when running), and which statements were active most often. This says
// whether a scenario waits on locks, on WAL flushes (commit), or on CPU.
const { Client } = require('pg');

const SAMPLE = `
  SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query
  FROM pg_stat_activity
  WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`;

async function startSampler(url, everyMs = 100) {
  const client = new Client({ connectionString: url, application_name: 'kartoteka-bench-sampler' });
  await client.connect();
  const waits = new Map();
  const queries = new Map();
  let samples = 0;
  let active = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = Date.now();
      try {
        const { rows } = await client.query(SAMPLE);
        samples++;
        for (const r of rows) {
          if (r.state !== 'active' && r.state !== 'idle in transaction') continue;
          active++;
          const w = r.state === 'idle in transaction' ? 'idle in transaction (app)' : r.wait_event_type ? `${r.wait_event_type}:${r.wait_event}` : 'CPU';
          waits.set(w, (waits.get(w) || 0) + 1);
          if (r.state === 'active') queries.set(r.query, (queries.get(r.query) || 0) + 1);
        }
      } catch {
        break;
      }
      await new Promise((res) => setTimeout(res, Math.max(0, everyMs - (Date.now() - t))));
    }
  })();
  return async function stop() {
    stopped = true;
    await loop;
    await client.end().catch(() => undefined);
    const top = (m, n) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([k, v]) => ({ what: k, share: active ? v / active : 0 }));
    return { samples, avgActive: samples ? active / samples : 0, waits: top(waits, 5), queries: top(queries, 3) };
  };
}

module.exports = { startSampler };

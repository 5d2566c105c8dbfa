'use strict';
// Ceiling 2: a read's minimum work. Bare Node http + one named prepared statement on a pg Pool the
// size of the app's default (DB_POOL_SIZE 20), the stored JSON returned as is.
const http = require('node:http');
const { Pool } = require('pg');

const port = Number(process.env.PORT || 8092);
const host = process.env.HOST || '127.0.0.1';
if (!process.env.DATABASE_URL) {
  process.stderr.write('http-pg: DATABASE_URL is required\n');
  process.exit(2);
}
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_SIZE || 20) });

const READ = 'SELECT content FROM resource WHERE resource_type = $1 AND id = $2';
const ROUTE = /^\/fhir\/([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;
const NOT_FOUND = Buffer.from(
  '{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}',
);

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const m = req.method === 'GET' ? ROUTE.exec(req.url) : null;
  if (!m) return send(res, 404, NOT_FOUND);
  pool.query({ name: 'read-by-id', text: READ, values: [m[1], m[2]] }).then(
    (r) => (r.rows.length ? send(res, 200, r.rows[0].content) : send(res, 404, NOT_FOUND)),
    (e) => send(res, 500, JSON.stringify({ error: String(e.message).slice(0, 200) })),
  );
});

server.listen(port, host, () => process.stdout.write(`http-pg listening on http://${host}:${port}\n`));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));

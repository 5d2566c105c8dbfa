'use strict';
// Ceiling 1: the most a bare Node http server can answer on this machine (no framework, no I/O).
const http = require('node:http');

const port = Number(process.env.PORT || 8091);
const host = process.env.HOST || '127.0.0.1';
const body = Buffer.from('{"hello":"world"}');

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});

server.listen(port, host, () => process.stdout.write(`hello listening on http://${host}:${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

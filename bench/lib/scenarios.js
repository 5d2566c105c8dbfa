'use strict';
// What each measured scenario sends, and how its answers are checked. autocannon calls
// setupRequest before every request (so each one carries a different id or body) and onResponse
// after it, with the per-connection context that setupRequest filled.
const payloads = require('./payloads');


function checker() {
  let bad = 0;
  return {
    fail: () => bad++,
    resetChecks: () => (bad = 0),
    badBodies: () => bad,
  };
}

const randomId = (ids) => ids[Math.floor(Math.random() * ids.length)];

/** GET /fhir/Patient/{random seeded id}; the answer must be that Patient. */
function readRequests(ids, check, headers) {
  return [
    {
      method: 'GET',
      headers,
      setupRequest(req, ctx) {
        ctx.id = randomId(ids);
        return { ...req, path: `/fhir/Patient/${ctx.id}` };
      },
      onResponse(status, body, ctx) {
        if (status !== 200 || !body.includes(`"id":"${ctx.id}"`)) check.fail();
      },
    },
  ];
}

function scenarios({ cfg, ids, base, helloPort, httpPgPort, procs, auth }) {
  // The server needs a token; the ceilings get the same header so the requests are the same size.
  const GET = { accept: 'application/fhir+json', authorization: auth };
  const FHIR_JSON = { 'content-type': 'application/fhir+json', ...GET };
  const run = Date.now().toString(36);
  let created = 0;
  let updated = 0;
  let ingested = 0;
  const list = [];

  const hello = checker();
  list.push({
    key: 'hello',
    warmupPerConnection: 200,
    name: 'Ceiling: bare Node http hello-world',
    what: '`bench/ceilings/hello.js`: node:http answering a fixed 17-byte JSON body',
    url: `http://127.0.0.1:${helloPort}/`,
    requests: [{ method: 'GET', headers: GET, onResponse: (status) => status !== 200 && hello.fail() }],
    ceiling: procs.hello,
    ...hello,
  });

  const httpPg = checker();
  list.push({
    key: 'http-pg',
    warmupPerConnection: 200,
    name: 'Ceiling: bare http + pg read',
    what:
      '`bench/ceilings/http-pg.js`: node:http + a pg Pool of 20, one named prepared ' +
      '`SELECT content FROM resource WHERE resource_type = $1 AND id = $2`, content returned as is; random seeded Patient ids',
    url: `http://127.0.0.1:${httpPgPort}`,
    requests: readRequests(ids, httpPg, GET),
    ceiling: procs.httpPg,
    ...httpPg,
  });

  const read = checker();
  list.push({
    key: 'read',
    warmupPerConnection: 200,
    name: 'Server: read Patient by id',
    what: '`GET /fhir/Patient/{id}`, a random id of the seeded Patients per request (token verified, access checked, AuditEvent stored before the answer); checks 200 and the id in the body',
    url: base,
    requests: readRequests(ids, read, GET),
    ...read,
  });

  const create = checker();
  list.push({
    key: 'create',
    warmupPerConnection: 20,
    name: 'Server: create Patient',
    what: '`POST /fhir/Patient` with a Patient of ~500 bytes (identifier, name, gender, birthDate, telecom, address), unique identifier per request; checks 201',
    url: base,
    resourcesPerRequest: 1,
    requests: [
      {
        method: 'POST',
        path: '/fhir/Patient',
        headers: FHIR_JSON,
        setupRequest: (req) => ({ ...req, body: JSON.stringify(payloads.patient(`create-${run}-${created++}`)) }),
        onResponse: (status, body) => (status !== 201 || !body.includes('"versionId":"1"')) && create.fail(),
      },
    ],
    ...create,
  });

  const update = checker();
  list.push({
    key: 'update',
    warmupPerConnection: 20,
    name: 'Server: update Patient',
    what: '`PUT /fhir/Patient/{id}` of a random seeded Patient with a changed body (no If-Match); checks 200 and the id',
    url: base,
    resourcesPerRequest: 1,
    requests: [
      {
        method: 'PUT',
        headers: FHIR_JSON,
        setupRequest(req, ctx) {
          ctx.id = randomId(ids);
          const body = JSON.stringify(payloads.patient(`update-${run}-${updated++}`, ctx.id));
          return { ...req, path: `/fhir/Patient/${ctx.id}`, body };
        },
        onResponse: (status, body, ctx) => (status !== 200 || !body.includes(`"id":"${ctx.id}"`)) && update.fail(),
      },
    ],
    ...update,
  });

  const ingest = checker();
  const size = cfg.bundleSize;
  list.push({
    key: 'ingest',
    warmupPerConnection: 1,
    name: `Server: transaction ingest (${size} entries)`,
    what:
      `\`POST /fhir\` with a transaction Bundle of ${size} entries: 1 Patient + ${size - 1} vital-sign Observations ` +
      '(LOINC code, UCUM valueQuantity, effectiveDateTime, category) whose subject is the Patient\'s `urn:uuid:`; ' +
      'checks 200 and one `201` entry response per entry',
    url: base,
    resourcesPerRequest: size,
    requests: [
      {
        method: 'POST',
        path: '/fhir',
        headers: FHIR_JSON,
        setupRequest: (req) => ({ ...req, body: JSON.stringify(payloads.ingestBundle(size, `ingest-${run}-${ingested++}`)) }),
        onResponse(status, body) {
          if (status !== 200 || body.split('"status":"201"').length - 1 !== size) ingest.fail();
        },
      },
    ],
    ...ingest,
  });

  return list;
}

module.exports = { scenarios };

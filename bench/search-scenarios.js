'use strict';
// The requests bench/search.js measures, and how each answer is checked. autocannon calls
// setupRequest before every request, so each one asks about another patient, code or date.

function checker() {
  let bad = 0;
  return { fail: () => bad++, resetChecks: () => (bad = 0), badBodies: () => bad };
}

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const entries = (body) => body.split('"fullUrl"').length - 1;

function searchScenarios({ base, helloUrl, pop, admin, clinicians, procs }) {
  const GET = { accept: 'application/fhir+json', authorization: admin };
  const list = [];
  const patientIds = () => `p${pop.seed}-${Math.floor(Math.random() * pop.patients)}`;

  const hello = checker();
  list.push({
    key: 'hello',
    name: 'Ceiling: bare Node http hello-world',
    what: '`bench/ceilings/hello.js`: node:http answering a fixed 17-byte JSON body',
    url: helloUrl,
    requests: [{ method: 'GET', headers: GET, onResponse: (status) => status !== 200 && hello.fail() }],
    ceiling: procs.hello,
    ...hello,
  });

  const search = checker();
  list.push({
    key: 'search',
    name: 'Observation?patient=X&code=Y&date=ge…',
    what: 'a random seeded patient X, one of the 12 commonest LOINC codes Y, `date=ge` a random year 2016-2025; admin token',
    url: base,
    requests: [
      {
        method: 'GET',
        headers: GET,
        setupRequest(req) {
          const year = 2016 + Math.floor(Math.random() * 10);
          const q = `patient=${patientIds()}&code=${encodeURIComponent(`http://loinc.org|${pick(pop.codes)}`)}&date=ge${year}-01-01`;
          return { ...req, path: `/fhir/Observation?${q}` };
        },
        onResponse(status, body) {
          if (status !== 200 || !body.startsWith('{"resourceType":"Bundle"')) search.fail();
        },
      },
    ],
    ...search,
  });

  const heavyMin = Math.min(...pop.heavySizes);
  const everything = (key, name, what, count, auth, ids) => {
    const check = checker();
    list.push({
      key,
      name,
      what,
      url: base,
      requests: [
        {
          method: 'GET',
          headers: { ...GET },
          setupRequest(req, ctx) {
            ctx.id = pick(ids);
            return { ...req, path: `/fhir/Patient/${ctx.id}/$everything?_count=${count}`, headers: { ...req.headers, authorization: auth(ctx.id) } };
          },
          onResponse(status, body) {
            const n = entries(body);
            if (status !== 200 || n < Math.min(count, heavyMin)) check.fail();
          },
        },
      ],
      ...check,
    });
  };
  everything(
    'everything',
    `Patient/$everything, heavy patient (${heavyMin}-${Math.max(...pop.heavySizes)} resources), one page`,
    '`_count=1000`: the whole record plus referenced Practitioners/Organizations/Locations in one Bundle; a random heavy patient; admin token',
    1000,
    () => admin,
    pop.heavy,
  );
  everything('everything-page', 'Patient/$everything, heavy patient, first page of 100', 'default `_count=100`, first page; admin token', 100, () => admin, pop.heavy);
  const gpIds = [...clinicians.keys()];
  if (gpIds.length) {
    everything(
      'everything-clinician',
      'Patient/$everything, heavy patient, one page, as the patient’s GP',
      '`_count=1000` with a clinician token: the access predicate (clinician reach) compiled into the query',
      1000,
      (id) => clinicians.get(id),
      gpIds,
    );
  }
  return list;
}

module.exports = { searchScenarios };

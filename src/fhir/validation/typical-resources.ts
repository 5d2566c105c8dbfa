/**
 * Typical resources of our writes, valid against R4: shared by the validation tests and by
 * bench/validate.js (which requires the compiled copy), so the benchmark measures what we test.
 * `patch` overrides top-level elements; an `undefined` value removes one.
 */
type Json = Record<string, unknown>;

function withPatch(resource: Json, patch: Json): Json {
  const result = { ...resource, ...patch };
  for (const key of Object.keys(patch)) if (patch[key] === undefined) delete result[key];
  return result;
}

/** A Patient with SNILS, name, address and phone, as the registry ingests them. */
export function patient(patch: Json = {}): Json {
  return withPatch(
    {
      resourceType: 'Patient',
      id: 'p-1',
      meta: { versionId: '1', lastUpdated: '2024-03-01T09:30:00.000Z' },
      identifier: [{ use: 'official', system: 'urn:oid:1.2.643.100.3', value: '11223344595' }],
      active: true,
      name: [{ use: 'official', family: 'Иванов', given: ['Иван', 'Иванович'] }],
      telecom: [{ system: 'phone', value: '+7 900 000-00-00', use: 'mobile' }],
      gender: 'male',
      birthDate: '1980-02-03',
      address: [
        {
          use: 'home',
          type: 'physical',
          line: ['ул. Ленина, д. 1, кв. 2'],
          city: 'Москва',
          postalCode: '101000',
          country: 'RU',
        },
      ],
    },
    patch,
  );
}

/** A vital sign: code, subject, effective time and a UCUM quantity. */
export function observation(patch: Json = {}): Json {
  return withPatch(
    {
      resourceType: 'Observation',
      id: 'o-1',
      status: 'final',
      category: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
      subject: { reference: 'Patient/p-1' },
      effectiveDateTime: '2024-03-01T10:00:00+03:00',
      valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
    },
    patch,
  );
}

/** An outpatient visit with a practitioner. */
export function encounter(patch: Json = {}): Json {
  return withPatch(
    {
      resourceType: 'Encounter',
      id: 'e-1',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: 'Patient/p-1' },
      participant: [{ individual: { reference: 'Practitioner/pr-1' } }],
      period: { start: '2024-03-01T10:00:00+03:00', end: '2024-03-01T10:20:00+03:00' },
    },
    patch,
  );
}

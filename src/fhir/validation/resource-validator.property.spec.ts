import fc from 'fast-check';
import { ResourceValidator } from './resource-validator';

let validator: ResourceValidator;
beforeAll(() => {
  validator = new ResourceValidator();
}, 60_000);

const GENDERS = ['male', 'female', 'other', 'unknown'];
const BINDING_TEXT =
  'Patient.gender: code is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender';
/** Every text an invalid gender may get: ours, and medplum's format rules for odd strings. */
const GENDER_TEXTS = [
  BINDING_TEXT,
  'Patient.gender: invalid code format',
  'Patient.gender: string must contain non-whitespace content',
];

const letter = fc.constantFrom(...'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюяABCXYZabcxyz');
const word = fc.string({ unit: letter, minLength: 1, maxLength: 12 });
/** Names as people write them: words joined by spaces or hyphens, e.g. "Салтыков-Щедрин". */
const namePart = fc
  .array(fc.tuple(word, fc.constantFrom(' ', '-', "'")), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.map(([w, sep], i) => (i === 0 ? w : sep + w)).join(''));

const year = fc.integer({ min: 1900, max: 2025 });
/** R4 `date`: YYYY, YYYY-MM or YYYY-MM-DD, always a real calendar day. */
const partialDate = fc.oneof(
  year.map(String),
  fc.tuple(year, fc.integer({ min: 1, max: 12 })).map(([y, m]) => `${y}-${pad(m)}`),
  fc
    .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2025-12-31T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
);

const validPatient = fc.record(
  {
    resourceType: fc.constant('Patient'),
    id: fc.stringMatching(/^[A-Za-z0-9\-.]{1,64}$/),
    name: fc.array(
      fc.record(
        {
          use: fc.constantFrom('usual', 'official', 'temp', 'nickname', 'anonymous', 'old', 'maiden'),
          family: namePart,
          given: fc.array(namePart, { minLength: 1, maxLength: 3 }),
        },
        { requiredKeys: ['family'] },
      ),
      { minLength: 1, maxLength: 3 },
    ),
    gender: fc.constantFrom(...GENDERS),
    birthDate: partialDate,
  },
  { requiredKeys: ['resourceType'] },
);

describe('property: Patients valid by construction', () => {
  it('always validate with no issues', () => {
    fc.assert(
      fc.property(validPatient, (resource) => {
        expect(validator.validate(resource)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: genders outside administrative-gender', () => {
  it('always fail at Patient.gender, with the binding rule and without the value', () => {
    const invalidGender = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
      .filter((g) => !GENDERS.includes(g));
    fc.assert(
      fc.property(invalidGender, (gender) => {
        const issues = validator.validate({ resourceType: 'Patient', gender });
        expect(issues).toContainEqual({
          severity: 'error',
          code: 'code-invalid',
          diagnostics: BINDING_TEXT,
          expression: ['Patient.gender'],
        });
        for (const issue of issues) {
          expect(issue.expression).toEqual(['Patient.gender']);
          expect(GENDER_TEXTS).toContain(issue.diagnostics); // fixed texts: the value cannot be in them
        }
      }),
      { numRuns: 300 },
    );
  });
});

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

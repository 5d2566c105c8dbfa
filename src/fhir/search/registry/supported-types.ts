/**
 * The resource types this server speaks (the contract's list). Conformance types are served
 * read-only from the packaged definitions, so they are searchable but never written by clients.
 */
export const WRITABLE_TYPES = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Encounter',
  'EpisodeOfCare',
  'Observation',
  'Condition',
  'Procedure',
  'MedicationRequest',
  'MedicationStatement',
  'AllergyIntolerance',
  'Immunization',
  'DiagnosticReport',
  'DocumentReference',
  'CarePlan',
  'Consent',
  'Provenance',
  'Group',
  'AuditEvent',
] as const;

export const CONFORMANCE_TYPES = [
  'StructureDefinition',
  'NamingSystem',
  'SearchParameter',
  'ValueSet',
  'CodeSystem',
] as const;

export const SUPPORTED_TYPES = [...WRITABLE_TYPES, ...CONFORMANCE_TYPES] as const;

export type WritableType = (typeof WRITABLE_TYPES)[number];
export type SupportedType = (typeof SUPPORTED_TYPES)[number];

const SUPPORTED = new Set<string>(SUPPORTED_TYPES);
const WRITABLE = new Set<string>(WRITABLE_TYPES);

export function isSupportedType(resourceType: string): resourceType is SupportedType {
  return SUPPORTED.has(resourceType);
}

export function isWritableType(resourceType: string): resourceType is WritableType {
  return WRITABLE.has(resourceType);
}

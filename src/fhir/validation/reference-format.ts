import { ID_PATTERN } from './id-format';

/**
 * `Reference.reference` (R4 references §2.3.0.1): a literal reference is relative (`Type/id`,
 * optionally `/_history/vid`), absolute (any URI with a scheme, incl. `urn:uuid:` in Bundles),
 * local (`#id` into `contained`, `#` alone for the container), or, inside a transaction, conditional
 * (`Type?search`, §3.1.0.11.2).
 *
 * @medplum/core only warns about a wrong target type, with a text that echoes the reference, and
 * accepts `Patient/`, `not a ref` and `#missing`; these become errors here.
 */

const RELATIVE = /^([A-Za-z]+)\/([^/?#]*)(?:\/_history\/([^/?#]*))?$/;
const CONDITIONAL = /^([A-Za-z]+)\?\S*$/;
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

export interface ReferenceContext {
  readonly resourceTypes: ReadonlySet<string>;
  /** ids of the resources contained in the resource holding the reference */
  readonly containedIds: ReadonlySet<string>;
}

/**
 * @param targetTypes allowed target resource types, or undefined for "any" (Reference(Any),
 *   or target profiles that are not core types, e.g. our city profiles, which we cannot resolve here)
 * @returns a rule text, or undefined when the reference conforms
 */
export function checkReference(
  reference: unknown,
  targetTypes: ReadonlySet<string> | undefined,
  context: ReferenceContext,
): string | undefined {
  if (typeof reference !== 'string') return undefined; // wrong JSON type: reported by the structural validator
  if (reference.startsWith('#')) {
    const id = reference.slice(1);
    return id === '' || context.containedIds.has(id)
      ? undefined
      : 'local reference does not match any contained resource id';
  }
  const relative = RELATIVE.exec(reference);
  if (relative) {
    const [, type, id, versionId] = relative;
    if (!ID_PATTERN.test(id) || (versionId !== undefined && !ID_PATTERN.test(versionId))) {
      return 'relative reference must be Type/id with a valid id';
    }
    return checkTargetType(type, targetTypes, context);
  }
  const conditional = CONDITIONAL.exec(reference);
  if (conditional) return checkTargetType(conditional[1], targetTypes, context);
  if (ABSOLUTE.test(reference)) return undefined;
  return 'reference must be Type/id, an absolute URI, a conditional Type?query or a local #id';
}

function checkTargetType(
  type: string,
  targetTypes: ReadonlySet<string> | undefined,
  context: ReferenceContext,
): string | undefined {
  if (!context.resourceTypes.has(type)) return 'reference names an unknown resource type';
  if (!targetTypes || targetTypes.has(type)) return undefined;
  return `reference target type is not allowed here (allowed: ${[...targetTypes].join(', ')})`;
}

const CORE_PROFILE = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * The allowed target types from an element's Reference `targetProfile`s, or undefined when any
 * type is allowed or a target profile is not a core resource type (then we cannot judge).
 */
export function referenceTargetTypes(
  targetProfiles: readonly string[] | undefined,
  resourceTypes: ReadonlySet<string>,
): ReadonlySet<string> | undefined {
  if (!targetProfiles?.length) return undefined;
  const types = new Set<string>();
  for (const profile of targetProfiles) {
    if (!profile.startsWith(CORE_PROFILE)) return undefined;
    const type = profile.slice(CORE_PROFILE.length);
    if (type === 'Resource' || type === 'DomainResource' || !resourceTypes.has(type)) return undefined;
    types.add(type);
  }
  return types;
}

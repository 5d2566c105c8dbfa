/** Where a Reference.reference string points, as far as it can be told without resolving it. */
export interface ReferenceTarget {
  /** Set when the reference is local: relative `Type/id`, or absolute on one of our base URLs. */
  targetType: string | null;
  targetId: string | null;
  /** The reference as written when it is absolute or otherwise not a relative `Type/id`. */
  url: string | null;
}

// R4 datatypes.html#id and references.html#literal: `Type/id`, optionally `/_history/vid`.
const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const ABSOLUTE = /^(https?:\/\/.+?)\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Longer strings are no Type/id reference; the bound also keeps ABSOLUTE's backtracking small. */
const MAX_PARSED_LENGTH = 2048;

/**
 * Parses a literal reference. Contained references (`#id`) are undefined: they never leave the
 * resource, so there is nothing to search for. An absolute URL on another server keeps only `url`:
 * its `Patient/1` is not our Patient/1, and treating it as ours would put the resource into the
 * wrong patient's compartment.
 */
export function parseReference(reference: string, serverBaseUrls: readonly string[] = []): ReferenceTarget | undefined {
  if (reference.length === 0 || reference[0] === '#') return undefined;
  if (reference.length > MAX_PARSED_LENGTH) return { targetType: null, targetId: null, url: reference };
  const relative = RELATIVE.exec(reference);
  if (relative) return { targetType: relative[1], targetId: relative[2], url: null };
  const absolute = ABSOLUTE.exec(reference);
  if (absolute && serverBaseUrls.some((base) => sameBase(base, absolute[1]))) {
    return { targetType: absolute[2], targetId: absolute[3], url: reference };
  }
  return { targetType: null, targetId: null, url: reference };
}

function sameBase(configured: string, found: string): boolean {
  return (configured.endsWith('/') ? configured.slice(0, -1) : configured) === found;
}

/**
 * The resource type a reference names, local or not: what FHIRPath `resolve() is Patient` tests
 * in the search expressions. Medplum's resolve() takes the text before the first `/`, so an
 * absolute `https://host/fhir/Patient/1` would be typed `https:`; this reads the type segment.
 */
export function referenceTargetType(reference: unknown): string | undefined {
  if (typeof reference !== 'string' || reference.length > MAX_PARSED_LENGTH) return undefined;
  const relative = RELATIVE.exec(reference);
  return relative ? relative[1] : ABSOLUTE.exec(reference)?.[2];
}

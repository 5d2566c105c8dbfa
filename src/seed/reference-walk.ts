/**
 * Every `reference` string inside a resource (at any depth), for checks that a set of resources
 * is closed under references. Contained resources and absolute URLs are out of scope: seeded data
 * uses neither.
 */
export function referencesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else referencesIn(v, out);
    }
  }
  return out;
}

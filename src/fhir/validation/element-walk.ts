import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { checkTemporal } from './date-formats';
import {
  type CardinalityRule,
  type PlanCompiler,
  type Probe,
  type ProfileSchemas,
  type TypePlan,
  choiceKeysIn,
} from './element-plan';
import { ID_RULE, isValidId } from './id-format';
import { checkReference } from './reference-format';

/**
 * Runs the plans of element-plan.ts over a resource: the checks that close the gaps of
 * @medplum/core's validateResource. Every issue names the element (FHIRPath-like `expression`,
 * same `Patient.identifier[0].use` form as medplum's) and the rule, never the value.
 */

/** What the walk found; `notObjects` lets the caller drop medplum's noise below such paths. */
export interface WalkResult {
  readonly issues: OperationOutcomeIssue[];
  readonly notObjects: string[];
  /** A nested resource had a bad resourceType; medplum then aborts with an issue without expression. */
  unknownResourceType: boolean;
}

interface Scope {
  readonly result: WalkResult;
  /** ids in `contained` of the resource that local `#id` references resolve against */
  readonly containedIds: ReadonlySet<string>;
}

export class ElementWalker {
  constructor(
    private readonly plans: PlanCompiler,
    private readonly resourceTypes: ReadonlySet<string>,
  ) {}

  /** Walks a resource whose root resourceType is already known to be valid. */
  walk(resource: Record<string, unknown>, profile?: ProfileSchemas): WalkResult {
    const result: WalkResult = { issues: [], notObjects: [], unknownResourceType: false };
    const type = resource.resourceType as string;
    const plan = this.plans.plan(profile?.root.type ?? type, profile);
    this.walkResource(resource, type, plan, { result, containedIds: new Set() }, false);
    return result;
  }

  private walkResource(
    resource: Record<string, unknown>,
    path: string,
    plan: TypePlan,
    scope: Scope,
    contained: boolean,
  ): void {
    const id = resource.id;
    if (typeof id === 'string' && !isValidId(id)) issue(scope, 'value', `${path}.id`, ID_RULE);
    // A contained resource's own `#id` references point into its container's `contained` (R4 §2.3.0.5).
    const inner = contained ? scope : { result: scope.result, containedIds: containedIds(resource.contained) };
    this.walkObject(resource, path, plan, inner);
  }

  private walkObject(object: Record<string, unknown>, path: string, plan: TypePlan, scope: Scope): void {
    let choices: Set<string> | undefined;
    for (const key in object) {
      const probe = plan.probes.get(key);
      if (!probe) {
        this.checkUnplannedKey(object[key], key, `${path}.${key}`, scope);
        continue;
      }
      if (probe.choiceOf) {
        choices ??= new Set();
        if (choices.has(probe.choiceOf)) {
          issue(scope, 'structure', `${path}.${probe.choiceOf}`, 'only one type may be given for a choice element [x]');
        }
        choices.add(probe.choiceOf);
      }
      this.visitProperty(object[key], `${path}.${key}`, probe, plan, scope);
    }
    for (const nested of plan.nested) this.walkNested(object, path, nested.via, nested.probes, plan, scope);
    for (const rule of plan.cardinality) this.checkCardinality(object, path, rule, scope);
  }

  private checkCardinality(object: Record<string, unknown>, path: string, rule: CardinalityRule, scope: Scope): void {
    let count = 0;
    for (const key of rule.keys) {
      const value = object[key];
      if (Array.isArray(value)) count += value.length;
      else if (value !== undefined && value !== null) count++;
    }
    if (count >= rule.min && count <= rule.max) return;
    const range = `${rule.min}..${Number.isFinite(rule.max) ? rule.max : '*'}`;
    const text = count === 0 ? 'required element is missing' : `cardinality ${range} not met (found ${count})`;
    issue(scope, 'structure', `${path}.${rule.name}`, text);
  }

  /** Shapes medplum misses or throws on; keys it reports itself (unknown elements) are left to it. */
  private checkUnplannedKey(value: unknown, key: string, path: string, scope: Scope): void {
    // medplum accepts the literal `value[x]` as a property name, because it is the element's key
    if (key.endsWith('[x]')) issue(scope, 'structure', path, 'element name must name the chosen type, not [x]');
    // JSON §2.6.2.1: `_birthDate` holds the id/extensions of a primitive; medplum throws on a non-object
    else if (key.startsWith('_') && value !== null && typeof value !== 'object') {
      issue(scope, 'structure', path, 'primitive extension must be a JSON object, or an array of objects and nulls');
    }
  }

  private visitProperty(value: unknown, path: string, probe: Probe, plan: TypePlan, scope: Scope): void {
    if (!Array.isArray(value)) {
      this.visitValue(value, path, probe, plan, scope);
      return;
    }
    for (let i = 0; i < value.length; i++) this.visitValue(value[i], `${path}[${i}]`, probe, plan, scope);
  }

  private visitValue(value: unknown, path: string, probe: Probe, plan: TypePlan, scope: Scope): void {
    if (value === null || value === undefined) return; // null is reported by medplum
    if (probe.binding) {
      const rule = probe.binding.check(value, probe.binding.valueSet);
      if (rule) issue(scope, 'code-invalid', path, rule);
    }
    if (probe.temporal) {
      const rule = checkTemporal(value, probe.temporal);
      if (rule) issue(scope, 'value', path, rule);
    }
    if (!probe.complex && !probe.resource) return;
    if (!isObject(value)) {
      // medplum lets `name: [1, 2]` through and reports `meta: "x"` as unknown elements `meta.0`, ...
      issue(scope, 'structure', path, `expected a JSON object (${probe.resource ? 'a resource' : probe.typeCode})`);
      scope.result.notObjects.push(path);
      return;
    }
    if (probe.resource) {
      this.visitResource(value, path, probe.key === 'contained', scope);
      return;
    }
    if (probe.typeCode === 'Reference') {
      const rule = checkReference(value.reference, probe.targetTypes, {
        resourceTypes: this.resourceTypes,
        containedIds: scope.containedIds,
      });
      if (rule) issue(scope, 'value', `${path}.reference`, rule);
    }
    if (probe.complex) this.walkObject(value, path, this.plans.plan(probe.typeCode, plan.profile), scope);
  }

  private visitResource(value: Record<string, unknown>, path: string, contained: boolean, scope: Scope): void {
    const type = value.resourceType;
    if (typeof type !== 'string' || !this.resourceTypes.has(type)) {
      issue(scope, 'structure', `${path}.resourceType`, 'resourceType must name a concrete R4 resource type');
      scope.result.unknownResourceType = true;
      return;
    }
    this.walkResource(value, path, this.plans.plan(type), scope, contained);
  }

  /** Profile elements on a datatype's children, e.g. `identifier.use` constrained by a profile. */
  private walkNested(
    object: Record<string, unknown>,
    path: string,
    via: readonly string[],
    probes: ReadonlyMap<string, Probe>,
    plan: TypePlan,
    scope: Scope,
  ): void {
    let parents: [Record<string, unknown>, string][] = [[object, path]];
    for (const step of via) {
      const next: [Record<string, unknown>, string][] = [];
      for (const [parent, parentPath] of parents) {
        for (const key of matchingKeys(parent, step)) {
          const child = parent[key];
          const items = Array.isArray(child) ? child : [child];
          items.forEach((item, i) => {
            if (isObject(item)) next.push([item, `${parentPath}.${key}${Array.isArray(child) ? `[${i}]` : ''}`]);
          });
        }
      }
      parents = next;
    }
    for (const [parent, parentPath] of parents) {
      for (const [key, probe] of probes) {
        if (parent[key] !== undefined) this.visitProperty(parent[key], `${parentPath}.${key}`, probe, plan, scope);
      }
    }
  }
}

/** `value[x]` matches `valueQuantity`, `valueString`, ...; a plain name matches itself. */
function matchingKeys(object: Record<string, unknown>, step: string): string[] {
  if (!step.endsWith('[x]')) return Object.hasOwn(object, step) ? [step] : [];
  return choiceKeysIn(object, step.slice(0, -3));
}

function containedIds(contained: unknown): ReadonlySet<string> {
  const ids = new Set<string>();
  if (Array.isArray(contained)) {
    for (const resource of contained) if (isObject(resource) && typeof resource.id === 'string') ids.add(resource.id);
  }
  return ids;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function issue(scope: Scope, code: OperationOutcomeIssue['code'], expression: string, rule: string): void {
  scope.result.issues.push({
    severity: 'error',
    code,
    diagnostics: `${expression}: ${rule}`,
    expression: [expression],
  });
}

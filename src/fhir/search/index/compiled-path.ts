import {
  AsAtom,
  type Atom,
  DotAtom,
  EqualsAtom,
  FhirPathAtom,
  FunctionAtom,
  IsAtom,
  LiteralAtom,
  SymbolAtom,
  tryGetDataType,
  UnionAtom,
} from '@medplum/core';
import { referenceTargetType } from './reference-target';

/** A value found by a path, with its FHIR data type (the same shape as medplum's TypedValue). */
export interface PathValue {
  type: string;
  value: unknown;
}

export type PathStep =
  /** `type` and `isArray` describe the element the key holds; the walk itself only needs `key`. */
  | { kind: 'property'; key: string; type: string; isArray: boolean }
  | { kind: 'whereEquals'; key: string; literal: unknown }
  | { kind: 'whereResolveIs'; resourceType: string };

/** One concrete JSON walk ending in one data type; a choice element (`value[x]`) fans out. */
export interface PathBranch {
  steps: PathStep[];
  type: string;
}

/**
 * A search expression compiled to plain JSON walks, with every data type decided at compile
 * time from the StructureDefinitions. Medplum's evaluator costs ~2 µs per expression even when
 * the element is absent (it builds typed wrappers and consults the schema at each step); these
 * walks cost a few property reads. Only the shapes R4 search expressions use are compiled:
 * paths, unions, `as`/`ofType`, `extension('url')`, `where(resolve() is T)` and
 * `where(field = 'literal')`; anything else returns undefined and is evaluated by medplum.
 */
export type CompiledPath = readonly PathBranch[];

export function compilePath(atom: Atom, resourceType: string): CompiledPath | undefined {
  try {
    return compile(atom, [{ steps: [], type: resourceType }], true, resourceType);
  } catch {
    return undefined;
  }
}

class NotCompilable extends Error {}

function compile(atom: Atom, input: PathBranch[], atRoot: boolean, resourceType: string): PathBranch[] {
  if (atom instanceof FhirPathAtom) return compile(atom.child, input, atRoot, resourceType);
  if (atom instanceof UnionAtom) {
    return [
      ...compile(atom.left, input, atRoot, resourceType),
      ...compile(atom.right, input, atRoot, resourceType),
    ];
  }
  if (atom instanceof DotAtom) {
    const left = compile(atom.left, input, atRoot, resourceType);
    return compile(atom.right, left, false, resourceType);
  }
  if (atom instanceof SymbolAtom) {
    if (atRoot && atom.name === resourceType) return input;
    return input.flatMap((b) => property(b, atom.name));
  }
  if (atom instanceof AsAtom) {
    return ofType(compile(atom.left, input, atRoot, resourceType), symbolName(atom.right));
  }
  if (atom instanceof FunctionAtom) return applyFunction(atom, input);
  throw new NotCompilable();
}

function applyFunction(fn: FunctionAtom, input: PathBranch[]): PathBranch[] {
  const [arg] = fn.args;
  if (fn.args.length !== 1) throw new NotCompilable();
  if (fn.name === 'as' || fn.name === 'ofType') return ofType(input, symbolName(arg));
  if (fn.name === 'extension' && arg instanceof LiteralAtom && typeof arg.value.value === 'string') {
    // extension('url') is extension.where(url = 'url'): the usual shape of profile SearchParameters.
    const url = arg.value.value;
    return input.flatMap((b) => property(b, 'extension')).map((b) => ({
      steps: [...b.steps, { kind: 'whereEquals', key: 'url', literal: url }],
      type: b.type,
    }));
  }
  if (fn.name !== 'where') throw new NotCompilable();
  if (arg instanceof IsAtom && arg.left instanceof FunctionAtom && arg.left.name === 'resolve') {
    const target = symbolName(arg.right);
    if (arg.left.args.length > 0 || input.some((b) => b.type !== 'Reference')) throw new NotCompilable();
    return input.map((b) => ({ steps: [...b.steps, { kind: 'whereResolveIs', resourceType: target }], type: b.type }));
  }
  if (arg instanceof EqualsAtom && arg.left instanceof SymbolAtom && arg.right instanceof LiteralAtom) {
    const key = arg.left.name;
    const literal: unknown = arg.right.value.value;
    return input.map((b) => ({ steps: [...b.steps, { kind: 'whereEquals', key, literal }], type: b.type }));
  }
  throw new NotCompilable();
}

function symbolName(atom: Atom): string {
  if (atom instanceof SymbolAtom) return atom.name;
  throw new NotCompilable();
}

/** The types `as Quantity` also accepts: R4 profiles of Quantity used as element types. */
const QUANTITY_TYPES = new Set(['Quantity', 'Age', 'Count', 'Distance', 'Duration', 'SimpleQuantity', 'MoneyQuantity']);

function ofType(input: PathBranch[], type: string): PathBranch[] {
  return input.filter((b) => b.type === type || (type === 'Quantity' && QUANTITY_TYPES.has(b.type)));
}

const FHIRPATH_SYSTEM_TYPES: Record<string, string> = {
  'http://hl7.org/fhirpath/System.String': 'string',
  'http://hl7.org/fhirpath/System.Boolean': 'boolean',
  'http://hl7.org/fhirpath/System.Integer': 'integer',
  'http://hl7.org/fhirpath/System.Decimal': 'decimal',
  'http://hl7.org/fhirpath/System.DateTime': 'dateTime',
  'http://hl7.org/fhirpath/System.Date': 'date',
  'http://hl7.org/fhirpath/System.Time': 'time',
};

function property(branch: PathBranch, name: string): PathBranch[] {
  // Children of a primitive (its id and extensions) live under `_name` in JSON; medplum knows that.
  const isPrimitive = branch.type[0] === branch.type[0].toLowerCase();
  const elements = isPrimitive ? undefined : tryGetDataType(branch.type)?.elements;
  if (!elements) throw new NotCompilable();
  const choice = elements[name + '[x]'];
  if (choice) {
    return choice.type.map((t) => {
      const key = name + t.code[0].toUpperCase() + t.code.slice(1);
      const step: PathStep = { kind: 'property', key, type: t.code, isArray: !!choice.isArray };
      return { steps: [...branch.steps, step], type: t.code };
    });
  }
  const element = elements[name];
  if (element?.type?.length !== 1) throw new NotCompilable();
  const type = FHIRPATH_SYSTEM_TYPES[element.type[0].code] ?? element.type[0].code;
  const step: PathStep = { kind: 'property', key: name, type, isArray: !!element.isArray };
  return [{ steps: [...branch.steps, step], type }];
}

/** Appends every value `path` reaches in `resource` to `out`. */
export function walkPath(resource: unknown, path: CompiledPath, out: PathValue[]): void {
  for (const branch of path) walk(resource, branch.steps, 0, branch.type, out);
}

function walk(value: unknown, steps: readonly PathStep[], i: number, type: string, out: PathValue[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) walk(item, steps, i, type, out);
    return;
  }
  if (i === steps.length) {
    out.push({ type, value });
    return;
  }
  if (typeof value !== 'object') return;
  const step = steps[i];
  const record = value as Record<string, unknown>;
  if (step.kind === 'property') {
    walk(record[step.key], steps, i + 1, type, out);
  } else if (step.kind === 'whereEquals') {
    if (record[step.key] === step.literal) walk(value, steps, i + 1, type, out);
  } else if (referenceTargetType(record.reference) === step.resourceType) {
    walk(value, steps, i + 1, type, out);
  }
}

import { createHash } from 'node:crypto';
import { badRequest } from '../errors/fhir-error';
import type { SortKey } from './compile/sort';
import { And, Condition, type Expr, IsNull, Or, Raw, Row, RowCompare, val } from './sql/sql';

/**
 * Keyset paging (LESSONS.md: deep OFFSET is the root of HAPI's paging bugs). A cursor carries the
 * sort-key values and rid of the row it is anchored at, the direction, and a hash of the search
 * it belongs to. It is not signed: it grants nothing (the caller's access predicate and filters
 * still apply to every page), so it only has to be well-formed and belong to this search.
 */
export interface Cursor {
  direction: 'next' | 'previous';
  values: (string | null)[];
  rid: string;
}

const VERSION = 1;
const MAX_CURSOR_LENGTH = 8192;
const MAX_KEY_LENGTH = 2048;

const KEY_FORMS: Record<SortKey['cast'], RegExp> = {
  text: /^[\s\S]*$/,
  // PostgreSQL's text output of timestamptz (DateStyle ISO), or ±infinity.
  timestamptz: /^(?:-?infinity|\d{4,6}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?[+-]\d{2}(?::\d{2}){0,2}(?: BC)?)$/,
  numeric: /^(?:-?\d{1,1000}(?:\.\d{1,1000})?|NaN)$/,
  bigint: /^\d{1,19}$/,
};

export function searchIdentity(identity: string): string {
  return createHash('sha256').update(identity).digest('base64url').slice(0, 16);
}

export function encodeCursor(c: Cursor, identity: string): string {
  const body = [VERSION, c.direction === 'next' ? 'n' : 'p', searchIdentity(identity), c.values, c.rid];
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeCursor(raw: string, identity: string, keys: SortKey[]): Cursor {
  const bad = () => badRequest('The paging cursor is not valid for this search; start again from the first page');
  if (raw.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(raw)) throw bad();
  let body: unknown;
  try {
    const bytes = Buffer.from(raw, 'base64url');
    // Node ignores stray trailing characters; only the canonical encoding is this cursor.
    if (bytes.toString('base64url') !== raw) throw bad();
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(body) || body.length !== 5) throw bad();
  const [version, d, hash, values, rid] = body as unknown[];
  if (version !== VERSION || (d !== 'n' && d !== 'p') || hash !== searchIdentity(identity)) throw bad();
  if (typeof rid !== 'string' || !KEY_FORMS.bigint.test(rid) || !Array.isArray(values) || values.length !== keys.length) throw bad();
  values.forEach((v, i) => {
    if (v === null && keys[i].nullable) return;
    if (typeof v !== 'string' || v.length > MAX_KEY_LENGTH || !KEY_FORMS[keys[i].cast].test(v)) throw bad();
  });
  return { direction: d === 'n' ? 'next' : 'previous', values: values as (string | null)[], rid };
}

/**
 * Rows strictly after (or, going back, before) the cursor in the order `keys` then `rid`, with
 * NULLs last: the expanded form `k1 > c1 OR (k1 = c1 AND (k2 > c2 OR ...))`. When no key can be
 * NULL and all run one way it is a row comparison, which a btree serves as one range scan.
 */
export function keysetCondition(keys: SortKey[], rid: SortKey, cursor: Cursor): Expr {
  const all = [...keys, rid];
  const bounds = [...cursor.values, cursor.rid];
  const back = cursor.direction === 'previous';
  const upward = (k: SortKey) => k.descending === back;
  if (all.every((k) => !k.nullable && k.descending === all[0].descending)) {
    return new RowCompare(
      new Row(all.map((k) => k.expr)),
      upward(all[0]) ? '>' : '<',
      new Row(all.map((k, i) => val(bounds[i], k.cast))),
    );
  }
  const ors: Expr[] = [];
  const equalSoFar: Expr[] = [];
  all.forEach((k, i) => {
    const c = bounds[i];
    let beyond: Expr;
    if (c === null) beyond = back ? new IsNull(k.expr, true) : new Raw('false');
    else {
      const strict = new Condition(k.expr, upward(k) ? '>' : '<', val(c, k.cast));
      beyond = k.nullable && !back ? new Or([strict, new IsNull(k.expr)]) : strict;
    }
    ors.push(new And([...equalSoFar, beyond]));
    equalSoFar.push(c === null ? new IsNull(k.expr) : new Condition(k.expr, '=', val(c, k.cast)));
  });
  return new Or(ors);
}

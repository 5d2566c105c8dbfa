/**
 * A small SQL expression tree (after Medplum's sql.ts): search compiles to these nodes and only
 * `SqlBuilder` turns them into text. Values never enter the text; each one becomes a `$n`
 * parameter. Identifiers (tables, columns, aliases) come from this code, never from a request.
 */
export interface SqlText {
  text: string;
  values: unknown[];
}

export class SqlBuilder {
  private text = '';
  readonly values: unknown[] = [];

  append(s: string): this {
    this.text += s;
    return this;
  }

  /** Binds a value and returns its placeholder (the AccessScope.predicate `bind` contract). */
  bind = (value: unknown): string => {
    this.values.push(value);
    return `$${this.values.length}`;
  };

  add(e: Expr): this {
    e.build(this);
    return this;
  }

  toSql(): SqlText {
    return { text: this.text, values: this.values };
  }
}

export interface Expr {
  build(b: SqlBuilder): void;
}

export function toSql(e: Expr): SqlText {
  return new SqlBuilder().add(e).toSql();
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`Not an SQL identifier: ${name}`);
  return name;
}

export class Column implements Expr {
  constructor(readonly alias: string | undefined, readonly name: string) {
    if (alias !== undefined) ident(alias);
    ident(name);
  }

  build(b: SqlBuilder): void {
    b.append(this.alias ? `${this.alias}.${this.name}` : this.name);
  }
}

export type SqlCast = 'text' | 'text[]' | 'bigint' | 'bigint[]' | 'numeric' | 'timestamptz' | 'boolean';

/** A bound value, optionally cast so PostgreSQL knows its type (arrays, numerics, instants). */
export class Param implements Expr {
  constructor(readonly value: unknown, readonly cast?: SqlCast) {}

  build(b: SqlBuilder): void {
    b.append(b.bind(this.value));
    if (this.cast) b.append(`::${this.cast}`);
  }
}

/** A fixed SQL snippet with no values (a function name, a cast, a constant from this code). */
export class Raw implements Expr {
  constructor(readonly sql: string) {}

  build(b: SqlBuilder): void {
    b.append(this.sql);
  }
}

/** SQL made by someone else's code through the bind contract (AccessScope.predicate). */
export class Fragment implements Expr {
  constructor(readonly render: (bind: (value: unknown) => string) => string) {}

  build(b: SqlBuilder): void {
    b.append('(').append(this.render(b.bind)).append(')');
  }
}

/** The operators search uses, as a table: each renders `left op right`. */
const BINARY = {
  '=': '=',
  '<>': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  LIKE: 'LIKE',
  'IS NOT DISTINCT FROM': 'IS NOT DISTINCT FROM',
} as const;
export type BinaryOperator = keyof typeof BINARY;

export class Condition implements Expr {
  constructor(readonly left: Expr, readonly op: BinaryOperator, readonly right: Expr) {}

  build(b: SqlBuilder): void {
    b.add(this.left).append(` ${BINARY[this.op]} `).add(this.right);
  }
}

/** `left = ANY(array)`: one index scan for an OR list of equalities (LESSONS.md: OR lists). */
export class AnyOf implements Expr {
  constructor(readonly left: Expr, readonly array: Expr) {}

  build(b: SqlBuilder): void {
    b.add(this.left).append(' = ANY(').add(this.array).append(')');
  }
}

export class Arith implements Expr {
  constructor(readonly left: Expr, readonly op: '+' | '-' | '*', readonly right: Expr) {}

  build(b: SqlBuilder): void {
    b.append('(').add(this.left).append(` ${this.op} `).add(this.right).append(')');
  }
}

export class IsNull implements Expr {
  constructor(readonly expr: Expr, readonly negated = false) {}

  build(b: SqlBuilder): void {
    b.add(this.expr).append(this.negated ? ' IS NOT NULL' : ' IS NULL');
  }
}

export class Call implements Expr {
  constructor(readonly fn: 'starts_with' | 'min' | 'max' | 'coalesce' | 'abs', readonly args: Expr[]) {}

  build(b: SqlBuilder): void {
    b.append(`${this.fn}(`);
    this.args.forEach((a, i) => (i > 0 ? b.append(', ') : b).add(a));
    b.append(')');
  }
}

abstract class Junction implements Expr {
  abstract readonly word: string;
  protected abstract readonly empty: string;
  constructor(readonly parts: Expr[]) {}

  /** `a AND (b AND c)` is written `(a AND b AND c)`; a junction of one part is that part. */
  flat(): Expr[] {
    return this.parts.flatMap((p) => {
      const part = unwrap(p);
      return part instanceof Junction && part.word === this.word ? part.flat() : [part];
    });
  }

  build(b: SqlBuilder): void {
    const parts = this.flat();
    if (parts.length === 0) b.append(this.empty);
    else if (parts.length === 1) parts[0].build(b);
    else b.append('(').add(new Bare(this)).append(')');
  }

  /** The parts without the enclosing parentheses (a WHERE clause). */
  buildBare(b: SqlBuilder): void {
    const parts = this.flat();
    if (parts.length === 0) {
      b.append(this.empty);
      return;
    }
    parts.forEach((p, i) => {
      if (i > 0) b.append(` ${this.word} `);
      p.build(b);
    });
  }
}

class Bare implements Expr {
  constructor(readonly junction: Junction) {}

  build(b: SqlBuilder): void {
    this.junction.buildBare(b);
  }
}

function unwrap(e: Expr): Expr {
  while (e instanceof Junction) {
    const parts = e.flat();
    if (parts.length !== 1) break;
    e = parts[0];
  }
  return e;
}

export class And extends Junction {
  readonly word = 'AND';
  protected readonly empty = 'true';
}

export class Or extends Junction {
  readonly word = 'OR';
  protected readonly empty = 'false';
}

export class Not implements Expr {
  constructor(readonly expr: Expr) {}

  build(b: SqlBuilder): void {
    b.append('NOT (').add(this.expr).append(')');
  }
}

/** `left IN (select)`: the shape whose statistics the planner understands (a semi-join). */
export class InSubquery implements Expr {
  constructor(readonly left: Expr, readonly query: Select | Unnest, readonly negated = false) {}

  build(b: SqlBuilder): void {
    b.add(this.left).append(this.negated ? ' NOT IN (' : ' IN (').add(this.query).append(')');
  }
}

/** `(a, b)`: a row value, for `(type, id) IN (...)` and keyset comparisons. */
export class Row implements Expr {
  constructor(readonly items: Expr[]) {}

  build(b: SqlBuilder): void {
    b.append('(');
    this.items.forEach((e, i) => (i > 0 ? b.append(', ') : b).add(e));
    b.append(')');
  }
}

/** `(k1, k2, rid) > (c1, c2, c3)`: a keyset bound one btree range scan can serve. */
export class RowCompare implements Expr {
  constructor(readonly left: Row, readonly op: '<' | '>', readonly right: Row) {}

  build(b: SqlBuilder): void {
    b.add(this.left).append(` ${this.op} `).add(this.right);
  }
}

export class Cast implements Expr {
  constructor(readonly expr: Expr, readonly type: SqlCast) {}

  build(b: SqlBuilder): void {
    b.append('(').add(this.expr).append(`)::${this.type}`);
  }
}

/** `SELECT * FROM unnest($1::text[], $2::text[])`: many pairs as one bound value per column. */
export class Unnest implements Expr {
  constructor(readonly arrays: Param[]) {}

  build(b: SqlBuilder): void {
    b.append('SELECT * FROM unnest(');
    this.arrays.forEach((a, i) => (i > 0 ? b.append(', ') : b).add(a));
    b.append(')');
  }
}

export class Exists implements Expr {
  constructor(readonly query: Select, readonly negated = false) {}

  build(b: SqlBuilder): void {
    b.append(this.negated ? 'NOT EXISTS (' : 'EXISTS (').add(this.query).append(')');
  }
}

/** A scalar subquery used as a value (sort keys). */
export class Scalar implements Expr {
  constructor(readonly query: Select) {}

  build(b: SqlBuilder): void {
    b.append('(').add(this.query).append(')');
  }
}

export interface OrderKey {
  expr: Expr;
  descending?: boolean;
  nullsFirst?: boolean;
}

export class Select implements Expr {
  private readonly cols: { expr: Expr; as?: string }[] = [];
  private readonly conds: Expr[] = [];
  private readonly order: OrderKey[] = [];
  private max?: Expr;
  private fenced = false;

  constructor(readonly table: string, readonly alias: string) {
    ident(table);
    ident(alias);
  }

  col(name: string, as?: string): this {
    return this.expr(new Column(this.alias, name), as);
  }

  expr(expr: Expr, as?: string): this {
    if (as !== undefined) ident(as);
    this.cols.push({ expr, as });
    return this;
  }

  where(...conds: Expr[]): this {
    this.conds.push(...conds);
    return this;
  }

  orderBy(...keys: OrderKey[]): this {
    this.order.push(...keys);
    return this;
  }

  limit(n: number | Expr): this {
    this.max = typeof n === 'number' ? new Raw(String(Math.trunc(n))) : n;
    return this;
  }

  /**
   * `OFFSET 0`: PostgreSQL's optimisation fence. An `EXISTS` subquery with it stays a subplan
   * evaluated for each outer row and is never turned into a join the planner could drive from.
   */
  fence(): this {
    this.fenced = true;
    return this;
  }

  build(b: SqlBuilder): void {
    b.append('SELECT ');
    if (this.cols.length === 0) b.append('1');
    this.cols.forEach((c, i) => {
      if (i > 0) b.append(', ');
      b.add(c.expr);
      if (c.as) b.append(` AS ${c.as}`);
    });
    b.append(` FROM ${this.table} ${this.alias}`);
    if (this.conds.length > 0) {
      b.append(' WHERE ');
      new And(this.conds).buildBare(b);
    }
    if (this.order.length > 0) {
      b.append(' ORDER BY ');
      this.order.forEach((k, i) => {
        if (i > 0) b.append(', ');
        b.add(k.expr).append(k.descending ? ' DESC' : ' ASC');
        if (k.nullsFirst !== undefined) b.append(k.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST');
      });
    }
    if (this.max) b.append(' LIMIT ').add(this.max);
    if (this.fenced) b.append(' OFFSET 0');
  }
}

export const col = (alias: string | undefined, name: string): Column => new Column(alias, name);
export const val = (value: unknown, cast?: SqlCast): Param => new Param(value, cast);
export const eq = (left: Expr, right: Expr): Condition => new Condition(left, '=', right);

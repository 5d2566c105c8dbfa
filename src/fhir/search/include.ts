import type { Queryable } from '../../database/database';
import type { CompileScope } from './compile/compile-filter';
import type { IncludeSpec } from './search-request';
import { And, AnyOf, Cast, col, eq, type Expr, InSubquery, IsNull, Not, Or, Raw, Row, Select, toSql, Unnest, val } from './sql/sql';

/** A row of `resource` as search returns it. */
export interface FoundRow {
  rid: string;
  resource_type: string;
  id: string;
  content: string;
}

/** Included resources per page (HAPI caps at 1,000; Azure at 100, LESSONS.md). */
export const MAX_INCLUDES = 1000;
/** Rounds of `:iterate` after the first (a chain of includes, not a graph walk). */
const MAX_ITERATIONS = 4;

export function resourceColumns(q: Select, alias: string): Select {
  return q.expr(new Cast(col(alias, 'rid'), 'text'), 'rid').col('resource_type').col('id').col('content');
}

/** Rows of sp_reference that an include spec follows out of its source rows. */
function forwardSpecCondition(x: string, spec: IncludeSpec): Expr {
  const parts: Expr[] = [];
  if (spec.sourceType) parts.push(eq(col(x, 'resource_type'), val(spec.sourceType)));
  if (spec.param) parts.push(eq(col(x, 'param'), val(spec.param)));
  if (spec.targetType) parts.push(eq(col(x, 'target_type'), val(spec.targetType)));
  return new And(parts);
}

function reverseSpecCondition(x: string, spec: IncludeSpec): Expr {
  const parts: Expr[] = [eq(col(x, 'resource_type'), val(spec.sourceType!))];
  if (spec.param) parts.push(eq(col(x, 'param'), val(spec.param)));
  if (spec.targetType) parts.push(eq(col(x, 'target_type'), val(spec.targetType)));
  return new And(parts);
}

function includeQuery(scope: CompileScope, sources: FoundRow[], specs: IncludeSpec[], seen: Set<string>, limit: number): Select {
  const r = 'r';
  const x = scope.nextAlias();
  const forward = specs.filter((s) => !s.reverse);
  const reverse = specs.filter((s) => s.reverse);
  const ways: Expr[] = [];
  if (forward.length > 0) {
    // Targets of the sources' references, found by the sources' rids (index sp_reference (rid)).
    const refs = new Select('sp_reference', x)
      .col('target_type')
      .col('target_id')
      .where(new AnyOf(col(x, 'rid'), val(sources.map((s) => s.rid), 'bigint[]')), new IsNull(col(x, 'target_id'), true), new Or(forward.map((s) => forwardSpecCondition(x, s))));
    // Then their rids from resource_key: resource's own (type, id) index is per partition.
    const k = scope.nextAlias();
    ways.push(new InSubquery(col(r, 'rid'), new Select('resource_key', k).col('rid').where(new InSubquery(new Row([col(k, 'resource_type'), col(k, 'id')]), refs))));
  }
  if (reverse.length > 0) {
    // Referrers of the sources, found through the index that leads with target_id.
    const y = scope.nextAlias();
    const refs = new Select('sp_reference', y)
      .col('rid')
      .where(
        new InSubquery(new Row([col(y, 'target_id'), col(y, 'target_type')]), new Unnest([val(sources.map((s) => s.id), 'text[]'), val(sources.map((s) => s.resource_type), 'text[]')])),
        new Or(reverse.map((s) => reverseSpecCondition(y, s))),
      );
    ways.push(new InSubquery(col(r, 'rid'), refs));
  }
  return resourceColumns(new Select('resource', r), r)
    .where(new Raw(`NOT ${r}.deleted`), new Or(ways), new Not(new AnyOf(col(r, 'rid'), val([...seen], 'bigint[]'))), ...scope.access(r))
    .orderBy({ expr: col(r, 'rid') })
    .limit(limit);
}

/**
 * `_include` / `_revinclude` (R4 search.html#include): the first round applies every spec to
 * the matches, later rounds apply the `:iterate` ones to what the previous round found. Each
 * round is one query; every query carries the caller's access predicate.
 */
export async function findIncludes(
  db: Queryable,
  scope: CompileScope,
  matches: FoundRow[],
  specs: IncludeSpec[],
): Promise<{ rows: FoundRow[]; truncated: boolean }> {
  const rows: FoundRow[] = [];
  if (specs.length === 0 || matches.length === 0) return { rows, truncated: false };
  const seen = new Set(matches.map((m) => m.rid));
  let sources = matches;
  let round = specs;
  for (let i = 0; i <= MAX_ITERATIONS && sources.length > 0 && round.length > 0; i++) {
    const room = MAX_INCLUDES - rows.length;
    const q = includeQuery(scope, sources, round, seen, room + 1);
    const { text, values } = toSql(q);
    const found = (await db.query<FoundRow>(text, values)).rows;
    const fresh = found.slice(0, room);
    for (const f of fresh) seen.add(f.rid);
    rows.push(...fresh);
    if (found.length > room) return { rows, truncated: true };
    sources = fresh;
    round = specs.filter((s) => s.iterate);
  }
  return { rows, truncated: false };
}

import type { Database } from '../../database/database';
import { badRequest } from '../errors/fhir-error';
import type { FhirRequestContext, FhirResponse } from '../fhir-context';
import type { SearchHandler } from '../fhir-router';
import type { FhirHooks } from '../hooks/fhir-hooks';
import { bundleJson } from '../http/bundle-json';
import { parseCount } from '../interactions/history.interaction';
import { assertType } from '../interactions/resource-types';
import type { BasicMatcher } from './basic-matcher';

/**
 * The first slice of search: equality on the indexed parameters, `_count`, newest first.
 * The search issue replaces it with the full compiler (modifiers, prefixes, chains, paging).
 */
export class BasicSearchHandler implements SearchHandler {
  constructor(private readonly db: Database, private readonly matcher: BasicMatcher, private readonly hooks: FhirHooks) {}

  private latest(ctx: FhirRequestContext, type: string, count: number) {
    const values: unknown[] = [type, count];
    const visible = ctx.accessScope?.predicate('r', (v) => `$${values.push(v)}`);
    return this.db.query(
      `SELECT rid::text AS rid, resource_type, id, version_id, last_updated, deleted, content FROM resource r
        WHERE resource_type = $1 AND NOT deleted ${visible ? `AND ${visible}` : ''}
        ORDER BY last_updated DESC, rid DESC LIMIT $2`,
      values,
    );
  }

  async search(ctx: FhirRequestContext, type: string | undefined, params: URLSearchParams): Promise<FhirResponse> {
    if (!type) throw badRequest('Search across all types is not supported yet; search one type');
    assertType(type);
    const count = parseCount(params.get('_count'));
    const criteria = new URLSearchParams();
    for (const [k, v] of params) if (!k.startsWith('_') || k === '_id') criteria.append(k, v);
    const found = criteria.toString()
      ? await this.matcher.match(this.db, type, criteria.toString(), count, ctx.accessScope)
      : (await this.latest(ctx, type, count)).rows.map((r) => ({ id: r.id as string, resourceType: r.resource_type as string, content: r.content as string }));
    await this.hooks.read({
      ctx,
      interaction: 'search-type',
      resourceType: type,
      references: found.map((r) => `${r.resourceType}/${r.id}`),
      query: params.toString(),
    });
    return {
      status: 200,
      body: bundleJson({
        type: 'searchset',
        link: [{ relation: 'self', url: `${ctx.baseUrl}/${type}${params.toString() ? '?' + params.toString() : ''}` }],
        entries: found.map((r) => ({
          fullUrl: `${ctx.baseUrl}/${r.resourceType}/${r.id}`,
          resource: r.content,
          search: { mode: 'match' as const },
        })),
      }),
    };
  }
}

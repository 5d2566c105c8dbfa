import type { AccessScope } from '../../access/access-scope';
import type { Queryable } from '../../database/database';
import { badRequest } from '../errors/fhir-error';
import type { ResourceMatcher } from '../interactions/resource-matcher';
import { StoredRow, toStored } from '../store/resource-store';
import type { StoredResource } from '../store/stored-resource';
import { CompileScope, matchConditions } from './compile/compile-filter';
import { parseSearch } from './parse/parse-search';
import type { SearchParameterRegistry } from './registry/search-parameter-registry';
import { Cast, col, Select, toSql } from './sql/sql';

/**
 * Conditional create, update and references (`If-None-Exist`, `PUT [type]?criteria`) through the
 * search engine in strict mode: an ignored parameter would widen the match and overwrite the
 * wrong resource, so anything not understood is 400 (R4 http.html#cond-update).
 */
export class SearchMatcher implements ResourceMatcher {
  constructor(
    private readonly registry: SearchParameterRegistry,
    private readonly baseUrl = '',
  ) {}

  async match(q: Queryable, resourceType: string, query: string, limit: number, scope?: AccessScope): Promise<StoredResource[]> {
    const now = new Date();
    const req = parseSearch(this.registry, resourceType, new URLSearchParams(query), { strict: true, baseUrl: this.baseUrl, now });
    if (req.filters.length === 0) throw badRequest('A condition needs at least one search parameter');
    const sql = new Select('resource', 'r')
      .expr(new Cast(col('r', 'rid'), 'text'), 'rid')
      .col('resource_type')
      .col('id')
      .col('version_id')
      .col('last_updated')
      .col('deleted')
      .col('content')
      .where(...matchConditions(req.resourceTypes, req.filters, new CompileScope(this.baseUrl, now, scope)))
      .orderBy({ expr: col('r', 'rid') })
      .limit(Math.max(1, Math.min(limit, 1000)));
    const { text, values } = toSql(sql);
    const res = await q.query<StoredRow>(text, values);
    return res.rows.map(toStored);
  }
}

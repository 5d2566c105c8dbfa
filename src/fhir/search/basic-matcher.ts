import type { AccessScope } from '../../access/access-scope';
import type { Queryable } from '../../database/database';
import { badRequest } from '../errors/fhir-error';
import type { ResourceMatcher } from '../interactions/resource-matcher';
import type { StoredResource } from '../store/stored-resource';
import { dateRange } from './index/date-range';
import { normalizeString } from './index/normalize-string';
import type { SearchParameterRegistry } from './registry/search-parameter-registry';

/**
 * Conditional interactions (If-None-Exist, conditional update, conditional references) need a
 * search that is exact about what it does not understand: an ignored parameter would widen the
 * match and overwrite the wrong resource, so every parameter here must be known (else 400).
 * Equality semantics of token, string, reference, uri and date (FHIR R4 search.html).
 */
export class BasicMatcher implements ResourceMatcher {
  constructor(private readonly registry: SearchParameterRegistry) {}

  async match(q: Queryable, resourceType: string, query: string, limit: number, scope?: AccessScope): Promise<StoredResource[]> {
    const values: unknown[] = [resourceType];
    const bind = (v: unknown) => `$${values.push(v)}`;
    const where: string[] = [];
    const params = new URLSearchParams(query);
    for (const [rawName, rawValue] of params) {
      const [code, modifier] = rawName.split(':', 2);
      if (['_format', '_pretty', '_summary', '_elements', '_count'].includes(code)) continue;
      const alternatives = rawValue.split(/(?<!\\),/).map((v) => v.replace(/\\,/g, ','));
      const ors = alternatives.map((v) => this.predicate(resourceType, code, modifier, v, bind));
      where.push(`(${ors.join(' OR ')})`);
    }
    if (where.length === 0) throw badRequest('A condition needs at least one search parameter');
    const visible = scope?.predicate('r', bind);
    if (visible) where.push(visible);
    const sql = `SELECT r.rid::text AS rid, r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content
                   FROM resource r
                  WHERE r.resource_type = $1 AND NOT r.deleted AND ${where.join(' AND ')}
                  ORDER BY r.rid LIMIT ${Math.max(1, Math.min(limit, 1000))}`;
    const res = await q.query(sql, values);
    return res.rows.map((r) => ({
      rid: r.rid,
      resourceType: r.resource_type,
      id: r.id,
      versionId: r.version_id,
      lastUpdated: r.last_updated,
      deleted: r.deleted,
      content: r.content,
    }));
  }

  private predicate(type: string, code: string, modifier: string | undefined, value: string, bind: (v: unknown) => string): string {
    if (code === '_id') return `r.id = ${bind(value)}`;
    const def = this.registry.getParameter(type, code);
    if (!def || !def.searchable) throw badRequest(`Unknown search parameter for ${type} in a condition: ${code.replace(/[^A-Za-z0-9_\-.]/g, '?')}`);
    const sub = (table: string, cond: string) =>
      `r.rid IN (SELECT x.rid FROM ${table} x WHERE x.resource_type = $1 AND x.param = ${bind(code)} AND ${cond})`;
    switch (def.type) {
      case 'token': {
        const bar = value.indexOf('|');
        if (bar < 0) return sub('sp_token', `x.code = ${bind(value)}`);
        const system = value.slice(0, bar);
        const tokenCode = value.slice(bar + 1);
        if (!system) return sub('sp_token', `x.code = ${bind(tokenCode)} AND x.system IS NULL`);
        if (!tokenCode) return sub('sp_token', `x.system = ${bind(system)}`);
        return sub('sp_token', `x.code = ${bind(tokenCode)} AND x.system = ${bind(system)}`);
      }
      case 'string':
        return modifier === 'exact'
          ? sub('sp_string', `x.exact = ${bind(value)}`)
          : sub('sp_string', `x.norm LIKE ${bind(escapeLike(normalizeString(value)) + '%')}`);
      case 'reference': {
        const m = /^(?:([A-Z][A-Za-z]+)\/)?([A-Za-z0-9\-.]{1,64})$/.exec(value);
        if (!m) return sub('sp_reference', `x.url = ${bind(value)}`);
        const target = m[1] ?? modifier;
        return target
          ? sub('sp_reference', `x.target_id = ${bind(m[2])} AND x.target_type = ${bind(target)}`)
          : sub('sp_reference', `x.target_id = ${bind(m[2])}`);
      }
      case 'uri':
        return sub('sp_uri', `x.value = ${bind(value)}`);
      case 'date': {
        const range = dateRange(value.replace(/^eq/, ''));
        if (!range) throw badRequest(`Invalid date in a condition for ${code}`);
        return sub('sp_date', `x.low >= ${bind(range.low)} AND x.high <= ${bind(range.high)}`);
      }
      default:
        throw badRequest(`Search parameter ${code} (${def.type}) cannot be used in a condition`);
    }
  }
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

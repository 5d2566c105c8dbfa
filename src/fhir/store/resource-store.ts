import type { AccessScope } from '../../access/access-scope';
import type { Database, Queryable } from '../../database/database';
import type { StoredResource } from './stored-resource';

/** A `resource` / `resource_version` row as selected with COLS. */
export interface StoredRow {
  rid: string;
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  content: string | null;
}

export function toStored(r: StoredRow): StoredResource {
  return {
    rid: r.rid,
    resourceType: r.resource_type,
    id: r.id,
    versionId: r.version_id,
    lastUpdated: r.last_updated,
    deleted: r.deleted,
    content: r.content,
  };
}

const COLS = 'rid::text AS rid, resource_type, id, version_id, last_updated, deleted, content';

export interface HistoryQuery {
  resourceType?: string;
  id?: string;
  since?: Date;
  at?: Date;
  count: number;
  /** What the caller may see, over the current row (aliased r). */
  scope?: AccessScope;
  /** Keyset cursor: entries strictly older than this (lastUpdated, rid, versionId). */
  before?: { lastUpdated: Date; rid: string; versionId: number };
}

/**
 * Reads of the one store that serves every resource type. Current-version reads touch only
 * `resource`; history touches only `resource_version`. A read by id finds the rid in
 * `resource_key` first: `rid = (subquery)` lets PostgreSQL prune the partitioned table to the
 * one partition holding it at executor start, also in a prepared statement's generic plan.
 */
export class ResourceStore {
  constructor(private readonly db: Database) {}

  async read(resourceType: string, id: string, q: Queryable = this.db): Promise<StoredResource | undefined> {
    const res = await q.query<StoredRow>({
      name: 'kt_read',
      text: `SELECT ${COLS} FROM resource WHERE rid = (SELECT k.rid FROM resource_key k WHERE k.resource_type = $1 AND k.id = $2)`,
      values: [resourceType, id],
    });
    return res.rows[0] ? toStored(res.rows[0]) : undefined;
  }

  /**
   * A read by id that also answers whether the caller may see it, in the same round trip: the
   * access predicate becomes a column (one prepared statement per predicate shape).
   */
  async readVisible(resourceType: string, id: string, scope: AccessScope): Promise<{ row: StoredResource; visible: boolean } | undefined> {
    const values: unknown[] = [resourceType, id];
    const pred = scope.predicate('r', (v) => `$${values.push(v)}`) ?? 'true';
    const res = await this.db.query<StoredRow & { visible: boolean }>({
      name: `kt_read_visible_${scope.kind}`,
      text: `SELECT ${COLS}, (${pred}) AS visible FROM resource r WHERE r.rid = (SELECT k.rid FROM resource_key k WHERE k.resource_type = $1 AND k.id = $2)`,
      values,
    });
    const row = res.rows[0];
    return row ? { row: toStored(row), visible: row.visible } : undefined;
  }

  async vread(resourceType: string, id: string, versionId: number): Promise<StoredResource | undefined> {
    const res = await this.db.query<StoredRow>(
      `SELECT v.rid::text AS rid, v.resource_type, v.id, v.version_id, v.last_updated, v.deleted, v.content
         FROM resource_version v
        WHERE v.rid = (SELECT k.rid FROM resource_key k WHERE k.resource_type = $1 AND k.id = $2) AND v.version_id = $3`,
      [resourceType, id, versionId],
      'kt_vread',
    );
    return res.rows[0] ? toStored(res.rows[0]) : undefined;
  }

  /** Current rows of many resources, locked for update, in one round trip. */
  async lockMany(tx: Queryable, keys: { resourceType: string; id: string }[]): Promise<Map<string, StoredResource>> {
    const out = new Map<string, StoredResource>();
    if (keys.length === 0) return out;
    // One resource (a PUT, PATCH or DELETE): `rid = (subquery)` prunes `resource` to one partition as the
    // statement starts, where `rid IN (...)` joins all 17 (as read() does).
    const res = keys.length === 1
      ? await tx.query<StoredRow>({
          name: 'kt_lock_one',
          text: `SELECT ${COLS} FROM resource WHERE rid = (SELECT k.rid FROM resource_key k WHERE k.resource_type = $1 AND k.id = $2) FOR UPDATE`,
          values: [keys[0].resourceType, keys[0].id],
        })
      : await tx.query<StoredRow>({
      name: 'kt_lock_many',
      text: `SELECT ${COLS} FROM resource
              WHERE rid IN (SELECT k.rid FROM resource_key k WHERE (k.resource_type, k.id) IN (SELECT * FROM unnest($1::text[], $2::text[])))
              ORDER BY rid FOR UPDATE`,
      values: [keys.map((k) => k.resourceType), keys.map((k) => k.id)],
    });
    for (const r of res.rows) out.set(`${r.resource_type}/${r.id}`, toStored(r));
    return out;
  }

  /** Current live rows by rid, in the order given (search results, includes). */
  async byRids(rids: string[], q: Queryable = this.db): Promise<StoredResource[]> {
    if (rids.length === 0) return [];
    const res = await q.query<StoredRow>({
      name: 'kt_by_rids',
      text: `SELECT ${COLS} FROM resource WHERE rid = ANY($1::bigint[]) AND NOT deleted`,
      values: [rids],
    });
    const byRid = new Map(res.rows.map((r) => [r.rid, toStored(r)]));
    return rids.map((r) => byRid.get(r)).filter((r): r is StoredResource => !!r);
  }

  /** `q`: a replica when the caller tolerates lag (Database.reader). */
  async history(query: HistoryQuery, q: Queryable = this.db): Promise<{ entries: StoredResource[]; total?: number }> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      values.push(v);
      where.push(sql.replace('?', `$${values.length}`));
    };
    if (query.resourceType && query.id !== undefined) {
      values.push(query.resourceType, query.id);
      // Instance history goes through the current row's rid: the version table's primary key.
      where.push(`v.rid = (SELECT k.rid FROM resource_key k WHERE k.resource_type = $${values.length - 1} AND k.id = $${values.length})`);
    } else if (query.resourceType) add('v.resource_type = ?', query.resourceType);
    if (query.since) add('v.last_updated >= ?', query.since);
    if (query.at) add('v.last_updated <= ?', query.at);
    if (query.before) {
      values.push(query.before.lastUpdated, query.before.rid, query.before.versionId);
      const n = values.length;
      where.push(`(v.last_updated, v.rid, v.version_id) < ($${n - 2}, $${n - 1}::bigint, $${n})`);
    }
    const visible = query.scope?.predicate('r', (v) => `$${values.push(v)}`);
    if (visible) where.push(`EXISTS (SELECT 1 FROM resource r WHERE r.rid = v.rid AND ${visible})`);
    values.push(query.count + 1);
    const sql = `SELECT v.rid::text AS rid, v.resource_type, v.id, v.version_id, v.last_updated, v.deleted, v.content
                   FROM resource_version v
                  ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
                  ORDER BY v.last_updated DESC, v.rid DESC, v.version_id DESC
                  LIMIT $${values.length}`;
    const res = await q.query<StoredRow>(sql, values);
    return { entries: res.rows.map(toStored) };
  }
}

import type { Database } from '../database/database';

const TTL_MS = 10_000;
const MAX_ENTRIES = 5_000;

/**
 * The `Type/id` keys a clinician reaches: the organizations of their active PractitionerRoles,
 * plus those organizations' PractitionerRoles and Practitioners (a patient whose general
 * practitioner is a colleague at the same polyclinic is attached to it). Cached briefly: a role
 * change takes effect within TTL_MS.
 */
export class ClinicianReach {
  private readonly cache = new Map<string, { keys: string[]; at: number }>();

  constructor(private readonly db: Database) {}

  async keysFor(practitionerId: string): Promise<string[]> {
    const hit = this.cache.get(practitionerId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.keys;
    const res = await this.db.query<{ k: string }>(
      `WITH my_roles AS (
         SELECT x.rid FROM sp_reference x
          WHERE x.target_id = $1 AND x.target_type = 'Practitioner' AND x.resource_type = 'PractitionerRole' AND x.param = 'practitioner'
            AND NOT EXISTS (SELECT 1 FROM sp_token t WHERE t.rid = x.rid AND t.param = 'active' AND t.code = 'false')),
       orgs AS (
         SELECT DISTINCT x.target_id FROM sp_reference x JOIN my_roles m ON m.rid = x.rid
          WHERE x.param = 'organization' AND x.target_type = 'Organization' AND x.target_id IS NOT NULL),
       org_roles AS (
         SELECT x.rid FROM sp_reference x
          WHERE x.target_id IN (SELECT target_id FROM orgs) AND x.target_type = 'Organization'
            AND x.resource_type = 'PractitionerRole' AND x.param = 'organization'
            AND NOT EXISTS (SELECT 1 FROM sp_token t WHERE t.rid = x.rid AND t.param = 'active' AND t.code = 'false'))
       SELECT 'Organization/' || target_id AS k FROM orgs
       UNION SELECT 'PractitionerRole/' || r.id FROM resource r JOIN org_roles o ON o.rid = r.rid WHERE NOT r.deleted
       UNION SELECT 'Practitioner/' || x.target_id FROM sp_reference x JOIN org_roles o ON o.rid = x.rid
              WHERE x.param = 'practitioner' AND x.target_type = 'Practitioner'`,
      [practitionerId],
      'kt_clinician_reach',
    );
    const keys = res.rows.map((r) => r.k);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(practitionerId, { keys, at: Date.now() });
    return keys;
  }
}

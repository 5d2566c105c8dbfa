import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One person, one Patient (CONTRACT.md, "Identity of patients"): each SNILS and OMS number held by
 * an active Patient, under a UNIQUE constraint, kept by a write hook inside the Patient's own
 * transaction (src/profiles/patient-identity.ts). The constraint, not a check before the write,
 * is what makes concurrent creates with one number race-free.
 */
export class PatientIdentity1732800000000 implements MigrationInterface {
  name = 'PatientIdentity1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE patient_identity (
        system      text   NOT NULL,
        value       text   NOT NULL,
        patient_rid bigint NOT NULL,
        CONSTRAINT patient_identity_system_value_key UNIQUE (system, value)
      )`);
    await q.query(`CREATE INDEX patient_identity_rid_idx ON patient_identity (patient_rid)`);
    // Backfill from the Patients already stored, with the hook's rules: the systems of the
    // package's NamingSystems as of this migration, values without spaces and hyphens, active
    // Patients only. Where two Patients already share a number the older (lower rid) keeps it; the
    // other cannot be saved with that number until one of them is merged or made inactive.
    await q.query(`
      INSERT INTO patient_identity (system, value, patient_rid)
      SELECT DISTINCT ON (x.system, x.value) x.system, x.value, x.rid
        FROM (
          SELECT r.rid, i->>'system' AS system, regexp_replace(i->>'value', '[ \\t\\u00a0-]', '', 'g') AS value
            FROM resource r
           CROSS JOIN LATERAL jsonb_array_elements(
                   CASE WHEN jsonb_typeof(r.content::jsonb->'identifier') = 'array'
                        THEN r.content::jsonb->'identifier' ELSE '[]'::jsonb END) AS i
           WHERE r.resource_type = 'Patient' AND NOT r.deleted
             AND (r.content::jsonb->'active') IS DISTINCT FROM 'false'::jsonb
             AND jsonb_typeof(i) = 'object' AND jsonb_typeof(i->'value') = 'string'
             AND i->>'system' IN ('urn:oid:1.2.643.100.3', 'urn:oid:1.2.643.2.69.1.1.1.6.228')
        ) x
       WHERE x.value <> ''
       ORDER BY x.system, x.value, x.rid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS patient_identity`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which organizations (and their practitioners and roles) a patient is attached to, kept by a
 * write hook in the same transaction as the Patient or Encounter that implies it: the Patient's
 * managingOrganization and generalPractitioner, and each Encounter's serviceProvider. Clinician
 * access (CONTRACT.md) is one indexed EXISTS over this table, compiled into every query.
 */
export class PatientAttachment1732550000000 implements MigrationInterface {
  name = 'PatientAttachment1732550000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE patient_attachment (
        patient_id text   NOT NULL,
        target     text   NOT NULL,
        source_rid bigint NOT NULL
      )`);
    await q.query(`CREATE INDEX patient_attachment_patient_idx ON patient_attachment (patient_id, target)`);
    await q.query(`CREATE INDEX patient_attachment_target_idx ON patient_attachment (target, patient_id)`);
    await q.query(`CREATE INDEX patient_attachment_source_idx ON patient_attachment (source_rid)`);
    // Backfill from what the store already indexed.
    await q.query(`
      INSERT INTO patient_attachment (patient_id, target, source_rid)
      SELECT r.id, x.target_type || '/' || x.target_id, r.rid
        FROM sp_reference x JOIN resource r ON r.rid = x.rid
       WHERE x.resource_type = 'Patient' AND x.param IN ('organization', 'general-practitioner')
         AND x.target_type IS NOT NULL AND NOT r.deleted`);
    await q.query(`
      INSERT INTO patient_attachment (patient_id, target, source_rid)
      SELECT c.patient_id, x.target_type || '/' || x.target_id, x.rid
        FROM sp_reference x JOIN resource_compartment c ON c.rid = x.rid
       WHERE x.resource_type = 'Encounter' AND x.param = 'service-provider' AND x.target_type IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS patient_attachment`);
  }
}

import type { Queryable } from '../database/database';
import type { WriteEvent } from '../fhir/hooks/fhir-hooks';

const PATIENT_PARAMS = new Set(['organization', 'general-practitioner']);

/**
 * Keeps patient_attachment in step with the Patients and Encounters written, in the same
 * transaction (see migrations/1732550000000-patient-attachment.ts). Derived from the index rows
 * the write already extracted: no second parse.
 */
export async function maintainAttachments(tx: Queryable, event: WriteEvent): Promise<void> {
  const relevant = event.changes.filter((c) => c.resourceType === 'Patient' || c.resourceType === 'Encounter');
  if (relevant.length === 0) return;
  const patients: string[] = [];
  const targets: string[] = [];
  const sources: string[] = [];
  for (const c of relevant) {
    const refs = c.index?.reference ?? [];
    if (c.resourceType === 'Patient') {
      for (const r of refs) {
        if (PATIENT_PARAMS.has(r.param) && r.targetType && r.targetId) {
          patients.push(c.id);
          targets.push(`${r.targetType}/${r.targetId}`);
          sources.push(c.rid);
        }
      }
    } else {
      for (const r of refs) {
        if (r.param !== 'service-provider' || !r.targetType || !r.targetId) continue;
        for (const p of c.index?.compartments ?? []) {
          patients.push(p);
          targets.push(`${r.targetType}/${r.targetId}`);
          sources.push(c.rid);
        }
      }
    }
  }
  await tx.query({
    name: 'kt_attachment_write',
    text: `WITH d AS (DELETE FROM patient_attachment WHERE source_rid = ANY($1::bigint[]))
           INSERT INTO patient_attachment (patient_id, target, source_rid)
           SELECT * FROM unnest($2::text[], $3::text[], $4::bigint[])`,
    values: [relevant.map((c) => c.rid), patients, targets, sources],
  });
}

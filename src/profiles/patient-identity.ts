import type { Queryable } from '../database/database';
import { isUniqueViolation } from '../database/database';
import { FhirError, outcome } from '../fhir/errors/fhir-error';
import type { WriteEvent } from '../fhir/hooks/fhir-hooks';

/** The constraint of migrations/1732800000000-patient-identity.ts. */
export const IDENTITY_CONSTRAINT = 'patient_identity_system_value_key';

export interface IdentityRow {
  system: string;
  value: string;
}

/**
 * The form a national number is held in for uniqueness: without the spaces and hyphens it is
 * printed with ("112-233-445 95"), so a number cannot be registered twice by writing it differently.
 * The backfill in the migration applies the same rule in SQL.
 */
export function normalizeIdentityValue(value: string): string {
  return value.replace(/[ \t\u00a0-]/g, '');
}

/**
 * The identity numbers a Patient version holds: its identifiers in one of `systems` (SNILS, OMS),
 * normalised, once each. A Patient with `active: false` holds none (CONTRACT.md: a number may not
 * belong to another *active* Patient), so a duplicate record can be retired and its number reused.
 */
export function identityRows(patient: Record<string, unknown> | undefined, systems: ReadonlySet<string>): IdentityRow[] {
  if (!patient || patient.active === false || !Array.isArray(patient.identifier)) return [];
  const rows = new Map<string, IdentityRow>();
  for (const id of patient.identifier as unknown[]) {
    if (typeof id !== 'object' || id === null) continue;
    const { system, value } = id as { system?: unknown; value?: unknown };
    if (typeof system !== 'string' || !systems.has(system) || typeof value !== 'string') continue;
    const normalized = normalizeIdentityValue(value);
    if (normalized) rows.set(`${system}|${normalized}`, { system, value: normalized });
  }
  return [...rows.values()];
}

/**
 * Keeps `patient_identity` in step with the Patients written, inside the write's own transaction
 * (an onWrite subscriber): the Patient's old rows go, its new ones come in. The UNIQUE
 * (system, value) constraint makes two concurrent creates with one number race-free: the second
 * INSERT waits for the first transaction and fails when it commits, answered 409.
 */
export class PatientIdentityIndex {
  constructor(private readonly systems: ReadonlySet<string>) {}

  maintain = async (tx: Queryable, event: WriteEvent): Promise<void> => {
    const patients = event.changes.filter((c) => c.resourceType === 'Patient');
    if (patients.length === 0) return;
    const stale = patients.filter((c) => !c.isNew).map((c) => c.rid);
    const rids: string[] = [];
    const systems: string[] = [];
    const values: string[] = [];
    for (const c of patients) {
      if (c.deleted) continue;
      for (const row of identityRows(c.resource, this.systems)) {
        rids.push(c.rid);
        systems.push(row.system);
        values.push(row.value);
      }
    }
    // Two statements, not one with a DELETE CTE: a unique index would see the rows being deleted.
    if (stale.length) {
      await tx.query({
        name: 'kt_identity_delete',
        text: 'DELETE FROM patient_identity WHERE patient_rid = ANY($1::bigint[])',
        values: [stale],
      });
    }
    if (rids.length === 0) return;
    try {
      await tx.query({
        name: 'kt_identity_insert',
        text: `INSERT INTO patient_identity (system, value, patient_rid)
               SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])`,
        values: [systems, values, rids],
      });
    } catch (e) {
      if (isUniqueViolation(e, IDENTITY_CONSTRAINT)) throw this.duplicate(e);
      throw e;
    }
  };

  /** 409 naming the identifier system, never the number (PHI). */
  private duplicate(e: unknown): FhirError {
    const detail = String((e as { detail?: unknown }).detail ?? '');
    const system = [...this.systems].find((s) => detail.startsWith(`Key (system, value)=(${s}, `));
    const which = system ? `an identifier of system ${system}` : 'an identifier';
    return new FhirError(
      409,
      outcome(
        'error',
        'duplicate',
        `Patient.identifier: ${which} belongs to another active Patient; find it with Patient/$match or a conditional create`,
        ['Patient.identifier'],
      ),
    );
  }
}

import type { Queryable } from '../database/database';
import { notFound } from '../fhir/errors/fhir-error';
import type { PreparedChange } from '../fhir/store/stored-resource';
import type { AccessScope } from './access-scope';
import { PUBLIC_READ_TYPES } from './access-policy';

const PUBLIC_TYPES = [...PUBLIC_READ_TYPES];

abstract class SqlScope implements AccessScope {
  abstract readonly kind: string;
  abstract predicate(alias: string, bind: (value: unknown) => string): string;
  /** Patient ids (of `ids`) this caller may reach. */
  protected abstract reachable(q: Queryable, ids: string[]): Promise<Set<string>>;

  constructor(protected readonly db: Queryable) {}

  async canSee(resource: { rid: string }, q: Queryable = this.db): Promise<boolean> {
    const values: unknown[] = [resource.rid];
    const pred = this.predicate('r', (v) => `$${values.push(v)}`);
    const res = await q.query(`SELECT 1 FROM resource r WHERE r.rid = $1 AND ${pred}`, values);
    return (res.rowCount ?? 0) > 0;
  }

  async assertWritable(tx: Queryable, changes: PreparedChange[]): Promise<void> {
    const existing = changes.filter((c) => !c.isNew).map((c) => c.rid);
    if (existing.length) {
      const values: unknown[] = [existing];
      const pred = this.predicate('r', (v) => `$${values.push(v)}`);
      const hidden = await tx.query(`SELECT r.resource_type, r.id FROM resource r WHERE r.rid = ANY($1::bigint[]) AND NOT (${pred})`, values);
      if (hidden.rowCount) throw notFound(`${hidden.rows[0].resource_type}/${hidden.rows[0].id} is not known`);
    }
    const patients = new Set<string>();
    for (const c of changes) {
      for (const p of c.index?.compartments ?? []) {
        // A new Patient enters its own compartment; registering a person is not reaching one.
        if (!(c.resourceType === 'Patient' && p === c.id)) patients.add(p);
      }
    }
    if (patients.size === 0) return;
    const ok = await this.reachable(tx, [...patients]);
    for (const p of patients) if (!ok.has(p)) throw notFound(`Patient/${p} is not known`);
  }
}

/** A patient: their own compartment, and the directory (practitioners, organizations, locations). */
export class PatientCompartmentScope extends SqlScope {
  readonly kind = 'patient';
  constructor(db: Queryable, private readonly patientId: string) {
    super(db);
  }

  predicate(alias: string, bind: (value: unknown) => string): string {
    return `(${alias}.resource_type = ANY(${bind(PUBLIC_TYPES)}::text[]) OR EXISTS (SELECT 1 FROM resource_compartment c WHERE c.rid = ${alias}.rid AND c.patient_id = ${bind(this.patientId)}))`;
  }

  protected async reachable(_q: Queryable, ids: string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => id === this.patientId));
  }
}

/**
 * A clinician: resources in no patient's compartment, and those of patients attached to the
 * clinician's organizations (`reach` = the organizations from their active PractitionerRoles,
 * and those organizations' practitioners and roles, as `Type/id`).
 */
export class ClinicianReachScope extends SqlScope {
  readonly kind = 'clinician';
  constructor(db: Queryable, private readonly reach: string[]) {
    super(db);
  }

  predicate(alias: string, bind: (value: unknown) => string): string {
    return (
      `(NOT EXISTS (SELECT 1 FROM resource_compartment c WHERE c.rid = ${alias}.rid)` +
      ` OR EXISTS (SELECT 1 FROM resource_compartment c JOIN patient_attachment a ON a.patient_id = c.patient_id` +
      ` WHERE c.rid = ${alias}.rid AND a.target = ANY(${bind(this.reach)}::text[])))`
    );
  }

  protected async reachable(q: Queryable, ids: string[]): Promise<Set<string>> {
    const res = await q.query(
      `SELECT DISTINCT patient_id FROM patient_attachment WHERE patient_id = ANY($1::text[]) AND target = ANY($2::text[])`,
      [ids, this.reach],
    );
    return new Set(res.rows.map((r: { patient_id: string }) => r.patient_id));
  }
}

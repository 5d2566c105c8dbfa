import { patientCompartmentParams } from '../search/index/compartment';
import type { IndexRows } from '../search/index/index-rows';

/**
 * Where a resource's rows live (docs/SCALING.md). `resource`, `resource_version`,
 * `resource_compartment` and the `sp_*` tables are partitioned by RANGE (rid); the partition key
 * (pkey) of a resource is encoded in the top bits of its rid:
 *
 *   rid = ((pkey + 1) << 48) | n      n: the next value of resource_rid_seq (< 2^48)
 *
 * so every join on rid stays a join on rid, and a resource's rows (current, versions, index and
 * compartment rows) share one partition. Rids below 2^48 are those written before partitioning
 * (and rows inserted without a rid): they stay in the `_legacy` partition.
 *
 * pkey = fnv1a32(utf8("Patient/" + id)) mod PARTITIONS for the patient the resource belongs to
 * (primaryPatient below), else fnv1a32(utf8(resourceType + "/" + id)) mod PARTITIONS. FNV-1a
 * 32-bit (offset 2166136261, prime 16777619) is fixed here forever: every instance, and any
 * later re-sharding tool, must compute the same value. The rid never changes, so a resource whose
 * compartment changes on update keeps its partition (see primaryPatient).
 */
export const PARTITIONS = 16;
export const PKEY_SHIFT = 48n;
const LEGACY_END = 1n << PKEY_SHIFT;

export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function partitionOfKey(key: string): number {
  return fnv1a32(key) % PARTITIONS;
}

export function partitionOfPatient(patientId: string): number {
  return partitionOfKey(`Patient/${patientId}`);
}

/**
 * The Patient whose partition holds the resource: a Patient is its own; any other resource, the
 * target of its first Patient reference in the first parameter of the R4
 * CompartmentDefinition/patient that has one (Observation: subject before performer), in the
 * order extraction found them (document order). Undefined for resources in no compartment.
 * Decided at create only: the rid is kept for the resource's life, so an update that moves it
 * to another patient leaves it where it was (correct, only not co-located).
 */
export function primaryPatient(resourceType: string, id: string, index: IndexRows | null): string | undefined {
  if (resourceType === 'Patient') return id;
  if (!index) return undefined;
  for (const param of patientCompartmentParams(resourceType)) {
    const row = index.reference.find((r) => r.param === param && r.targetType === 'Patient' && r.targetId);
    if (row) return row.targetId!;
  }
  return undefined;
}

export function partitionOf(resourceType: string, id: string, index: IndexRows | null): number {
  const patient = primaryPatient(resourceType, id, index);
  return patient !== undefined ? partitionOfPatient(patient) : partitionOfKey(`${resourceType}/${id}`);
}

/** A rid from a sequence value and a partition key. */
export function encodeRid(sequenceValue: string, pkey: number): string {
  const n = BigInt(sequenceValue);
  if (n < 0n || n >= LEGACY_END) throw new Error(`rid sequence value out of range: ${sequenceValue}`);
  return ((BigInt(pkey + 1) << PKEY_SHIFT) | n).toString();
}

/** The partition key encoded in a rid; undefined for a legacy rid (below 2^48). */
export function pkeyOfRid(rid: string): number | undefined {
  const top = BigInt(rid) >> PKEY_SHIFT;
  return top === 0n ? undefined : Number(top) - 1;
}

/** [lo, hi) of the rids of partition `pkey`. */
export function ridRange(pkey: number): { lo: string; hi: string } {
  return { lo: (BigInt(pkey + 1) << PKEY_SHIFT).toString(), hi: (BigInt(pkey + 2) << PKEY_SHIFT).toString() };
}

export const LEGACY_RID_END = LEGACY_END.toString();

/**
 * Search parameters whose match implies the partition: a resource matching `param=Patient/X`
 * has X as its primary patient, so its rows are in X's partition (or the legacy one). Only the
 * first compartment parameter of each type, and only where that element is 0..1 in R4 (a
 * multi-valued one, like Group.member, could match a patient that is not the first).
 * Checked against the CompartmentDefinition by partition-key.spec.ts.
 */
export const PARTITION_PARAMS: Readonly<Record<string, readonly string[]>> = {
  Observation: ['subject', 'patient'],
  Encounter: ['patient', 'subject'],
  Condition: ['patient', 'subject'],
  Procedure: ['patient', 'subject'],
  MedicationRequest: ['subject', 'patient'],
  MedicationStatement: ['subject', 'patient'],
  AllergyIntolerance: ['patient'],
  Immunization: ['patient'],
  DiagnosticReport: ['subject', 'patient'],
  DocumentReference: ['subject', 'patient'],
  CarePlan: ['subject', 'patient'],
  EpisodeOfCare: ['patient'],
};

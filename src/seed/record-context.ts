import type { Encounter, Patient, Practitioner, Reference, Resource } from '@medplum/fhirtypes';
import type { CareSite } from './directory';
import type { Gender } from './names';
import type { Prng } from './prng';

/**
 * State shared by the builders of one patient's record. Resource ids are the patient's id plus a
 * per-type tag and counter (`p1-42-obs17`), so they are stable for a seed and readable in logs.
 */
export class RecordContext {
  readonly out: Resource[] = [];
  readonly patient: Reference<Patient>;
  private readonly counters = new Map<string, number>();

  constructor(
    readonly prng: Prng,
    readonly patientId: string,
    readonly gender: Gender,
    readonly birthMs: number,
    readonly home: CareSite,
    readonly attending: Reference<Practitioner>,
  ) {
    this.patient = { reference: `Patient/${patientId}` };
  }

  nextId(tag: string): string {
    const n = (this.counters.get(tag) ?? 0) + 1;
    this.counters.set(tag, n);
    return `${this.patientId}-${tag}${n}`;
  }

  count(tag: string): number {
    return this.counters.get(tag) ?? 0;
  }

  ageAt(ms: number): number {
    return (ms - this.birthMs) / 31_557_600_000;
  }
}

/** One encounter as the builders of its observations, orders and procedures see it. */
export interface Visit {
  encounter: Reference<Encounter>;
  at: number;
  dateTime: string;
  practitioner: Reference<Practitioner>;
  site: CareSite;
  age: number;
}

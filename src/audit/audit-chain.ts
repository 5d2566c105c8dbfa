import { createHash } from 'node:crypto';

/**
 * The tamper-evidence chain (docs/AUDIT.md, "The hash chain"):
 *
 *   hash_0 = 32 zero bytes
 *   hash_n = SHA-256( hash_{n-1} || UTF-8( seq_n + "\n" + id_n + "\n" + content_n ) )
 *
 * where n is the chain position the sealer gave the row, seq_n its log sequence number in
 * decimal, id_n its AuditEvent id and content_n the stored JSON text, byte for byte as served.
 */
export const GENESIS: Buffer = Buffer.alloc(32);

export interface ChainRow {
  seq: string;
  id: string;
  content: string;
}

export function canonical(row: ChainRow): Buffer {
  return Buffer.from(`${row.seq}\n${row.id}\n${row.content}`, 'utf8');
}

export function chainHash(prev: Buffer, row: ChainRow): Buffer {
  return createHash('sha256').update(prev).update(canonical(row)).digest();
}

/** The search columns of audit_event, as derived from its content (what $verify compares). */
export interface DerivedColumns {
  id: string;
  recordedMs: number;
  type: string;
  subtype: string | null;
  action: string;
  outcome: string;
  purpose: string[] | null;
  patients: string[];
}

interface Coding {
  system?: string;
  code?: string;
}

export function deriveColumns(content: string): DerivedColumns | undefined {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(content);
  } catch {
    return undefined;
  }
  if (!e || e.resourceType !== 'AuditEvent') return undefined;
  const entity = (e.entity as { what?: { reference?: string }; role?: Coding }[] | undefined) ?? [];
  const patients = entity
    .filter((x) => x.role?.code === '1' && x.what?.reference?.startsWith('Patient/'))
    .map((x) => (x.what!.reference as string).slice('Patient/'.length))
    .sort();
  const purposes = ((e.purposeOfEvent as { coding?: Coding[] }[] | undefined) ?? []).flatMap((p) => (p.coding ?? []).map((c) => c.code ?? ''));
  return {
    id: String(e.id),
    recordedMs: Date.parse(String(e.recorded)),
    type: String((e.type as Coding | undefined)?.code),
    subtype: (e.subtype as Coding[] | undefined)?.[0]?.code ?? null,
    action: String(e.action),
    outcome: String(e.outcome),
    purpose: purposes.length ? purposes : null,
    patients,
  };
}

/** Whether a row's columns say what its content says (a changed column hides an event from search). */
export function columnsMatch(row: DerivedColumns, content: string): boolean {
  const d = deriveColumns(content);
  if (!d) return false;
  return (
    d.id === row.id &&
    d.recordedMs === row.recordedMs &&
    d.type === row.type &&
    d.subtype === row.subtype &&
    d.action === row.action &&
    d.outcome === row.outcome &&
    JSON.stringify(d.purpose) === JSON.stringify(row.purpose) &&
    JSON.stringify(d.patients) === JSON.stringify([...row.patients].sort())
  );
}

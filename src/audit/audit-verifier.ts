import type { Database } from '../database/database';
import { chainHash, columnsMatch, GENESIS } from './audit-chain';
import { cursorBatches } from './audit-cursor';

export interface VerifyResult {
  result: boolean;
  /** Sealed events examined (up to and including the first invalid one). */
  checked: number;
  /** The AuditEvent id where the chain first breaks. */
  firstInvalid?: string;
}

interface Row {
  pos: string;
  seq: string;
  seal_id: string;
  hash: Buffer;
  id: string | null;
  content: string | null;
  recorded: Date | null;
  type: string;
  subtype: string | null;
  action: string;
  outcome: string;
  purpose: string[] | null;
  patients: string[];
}

const SQL = `SELECT s.pos::text AS pos, s.seq::text AS seq, s.id AS seal_id, s.hash,
                    e.id, e.content, e.recorded, e.type, e.subtype, e.action, e.outcome, e.purpose, e.patients
               FROM audit_seal s LEFT JOIN audit_event e ON e.seq = s.seq
              ORDER BY s.pos`;

/**
 * Walks the whole chain in position order from one snapshot, recomputing every hash
 * (audit-chain.ts) and checking that each row's search columns say what its content says.
 * Constant memory: rows come from a cursor. Rows committed but not sealed yet are not counted.
 */
export async function verifyChain(db: Database): Promise<VerifyResult> {
  let prev: Buffer = GENESIS;
  let checked = 0;
  for await (const batch of cursorBatches<Row>(db, SQL, [], 2000)) {
    for (const r of batch) {
      checked++;
      if (!rowValid(r, prev, checked)) return { result: false, checked, firstInvalid: r.id ?? r.seal_id };
      prev = r.hash;
    }
  }
  return { result: true, checked };
}

function rowValid(r: Row, prev: Buffer, expectedPos: number): boolean {
  // A missing position means a seal row was removed; a missing event, an event row removed.
  if (Number(r.pos) !== expectedPos || r.id === null || r.content === null || r.recorded === null) return false;
  if (r.id !== r.seal_id) return false;
  if (!chainHash(prev, { seq: r.seq, id: r.id, content: r.content }).equals(r.hash)) return false;
  return columnsMatch(
    {
      id: r.id,
      recordedMs: r.recorded.getTime(),
      type: r.type,
      subtype: r.subtype,
      action: r.action,
      outcome: r.outcome,
      purpose: r.purpose,
      patients: r.patients,
    },
    r.content,
  );
}

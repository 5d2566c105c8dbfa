import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import { type BatchRows, batchRows } from './batch-writer';
import type { PreparedChange } from './stored-resource';

/** A connection that can run COPY (a pg Client or PoolClient). */
export interface CopyTarget {
  query(stream: CopyStreamQuery): CopyStreamQuery;
}

/** Where each column group of BatchRows goes; the same tables and columns as batch-writer's statement. */
const TABLES: readonly (readonly [keyof BatchRows, string])[] = [
  ['ins', 'resource (rid, resource_type, id, version_id, last_updated, deleted, content)'],
  ['ver', 'resource_version (rid, version_id, resource_type, id, last_updated, deleted, method, content)'],
  ['tok', 'sp_token (rid, resource_type, param, system, code, text)'],
  ['str', 'sp_string (rid, resource_type, param, norm, exact)'],
  ['dat', 'sp_date (rid, resource_type, param, low, high)'],
  ['ref', 'sp_reference (rid, resource_type, param, target_type, target_id, url)'],
  ['qty', 'sp_quantity (rid, resource_type, param, value, system, code, unit)'],
  ['num', 'sp_number (rid, resource_type, param, value)'],
  ['uri', 'sp_uri (rid, resource_type, param, value)'],
  ['cmp', 'resource_compartment (rid, patient_id, resource_type)'],
];

/** Size of the buffers COPY text is written into (and handed to the connection). */
const CHUNK_BYTES = 1 << 20;

/**
 * Writes new resources (creates only: no existing row to update, no old index rows to delete)
 * with COPY, one COPY per table, in the caller's transaction. The rows are those of
 * batchRows(), exactly what writeChanges() would insert; COPY only moves them more cheaply for
 * bulk loads: no array literals to build and parse, and PostgreSQL inserts a page of rows at a
 * time (one WAL record per heap page instead of one per row).
 */
export async function copyNewResources(client: CopyTarget, changes: PreparedChange[]): Promise<void> {
  const odd = changes.find((c) => !c.isNew || c.deleted);
  if (odd) throw new Error(`copyNewResources writes creates only; ${odd.resourceType}/${odd.id} is not one`);
  if (changes.length === 0) return;
  const rows = batchRows(changes);
  // The id registry first, as the statement does: its primary key keeps ids unique across partitions.
  await pipeline(Readable.from(copyText([rows.ins[1], rows.ins[2], rows.ins[0]])), client.query(copyFrom('COPY resource_key (resource_type, id, rid) FROM STDIN')));
  for (const [key, target] of TABLES) {
    const columns = rows[key] as unknown[][];
    if (columns[0].length === 0) continue;
    await pipeline(Readable.from(copyText(columns)), client.query(copyFrom(`COPY ${target} FROM STDIN`)));
  }
}

/**
 * The rows as COPY text format (PostgreSQL sql-copy.html, "Text Format"), encoded straight into
 * buffers: no per-row strings, and no long concatenated string for V8 to flatten and re-encode.
 */
export function copyText(columns: unknown[][]): Buffer[] {
  const out = new CopyBuffers();
  const n = columns[0].length;
  const last = columns.length - 1;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c <= last; c++) {
      out.value(columns[c][i]);
      out.byte(c === last ? NEWLINE : TAB);
    }
  }
  return out.done();
}

const TAB = 9;
const NEWLINE = 10;
const SPECIAL = /[\\\n\r\t]/;

class CopyBuffers {
  private readonly chunks: Buffer[] = [];
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private off = 0;

  value(v: unknown): void {
    if (v === null || v === undefined) this.text('\\N');
    else if (typeof v === 'boolean') this.byte(v ? 116 : 102); // t, f
    else if (typeof v === 'string') this.text(SPECIAL.test(v) ? escape(v) : v);
    else this.text(String(v));
  }

  byte(b: number): void {
    if (this.off === this.buf.length) this.next(1);
    this.buf[this.off++] = b;
  }

  private text(s: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    if (this.off + s.length * 3 > this.buf.length) this.next(s.length * 3);
    this.off += this.buf.write(s, this.off);
  }

  private next(need: number): void {
    if (this.off > 0) this.chunks.push(this.buf.subarray(0, this.off));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, need));
    this.off = 0;
  }

  done(): Buffer[] {
    if (this.off > 0) this.chunks.push(this.buf.subarray(0, this.off));
    this.off = 0;
    return this.chunks;
  }
}

/** One value as COPY text (for tests and messages; copyText encodes the same way). */
export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  const s = String(v);
  return SPECIAL.test(s) ? escape(s) : s;
}

function escape(s: string): string {
  // JSON text (the content columns) never holds a raw newline, CR or tab; index values may.
  return s.replace(/[\\\n\r\t]/g, (ch) => ESCAPES[ch]);
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

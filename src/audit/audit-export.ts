import { validateExportQuery } from './audit-export.query';
import type { Pool } from 'pg';
import type { Database } from '../database/database';
import { badRequest } from '../fhir/errors/fhir-error';
import { cursorBatches } from './audit-cursor';

export type ExportFormat = 'ndjson' | 'csv';

export interface ExportRequest {
  since?: Date;
  until?: Date;
  format: ExportFormat;
}

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/fhir+ndjson',
  csv: 'text/csv; charset=utf-8',
};


/** `since`/`until` are instants (or dates, meaning midnight UTC); `format` ndjson (default) or csv. */
export function parseExportRequest(query: URLSearchParams): ExportRequest {
  const q = validateExportQuery(query);
  return { since: instant(q.since), until: instant(q.until), format: q.format ?? 'ndjson' };
}

function instant(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const d = new Date(raw);
  if (Number.isNaN(d.getTime())) throw badRequest('since and until must be real instants');
  return d;
}

const SQL = `SELECT e.content FROM audit_event e
              WHERE e.recorded >= $1::timestamptz AND e.recorded < $2::timestamptz
              ORDER BY e.recorded, e.seq`;

export const CSV_HEADER = 'id,recorded,type,subtype,action,outcome,agent,roles,address,purposeOfEvent,patients,entities\r\n';

/**
 * The log between two instants as text chunks, one per cursor batch: memory holds one batch
 * whatever the size of the log, and the consumer's pace (the HTTP reply) sets the fetch pace.
 * `pool`: where to read (the primary unless given; a bulk export may pass a replica).
 */
export async function* exportChunks(db: Database, req: ExportRequest, batch = 500, pool: Pool = db.pool): AsyncGenerator<string> {
  const values = [req.since?.toISOString() ?? '-infinity', req.until?.toISOString() ?? 'infinity'];
  if (req.format === 'csv') yield CSV_HEADER;
  for await (const rows of cursorBatches<{ content: string }>(db, SQL, values, batch, pool)) {
    let out = '';
    for (const r of rows) out += req.format === 'csv' ? csvLine(r.content) : `${r.content}\n`;
    yield out;
  }
}

interface Ref {
  reference?: string;
  identifier?: { value?: string };
  display?: string;
}
interface Coding {
  code?: string;
}

/** One AuditEvent as a CSV record (RFC 4180), with spreadsheet formula prefixes neutralised. */
export function csvLine(content: string): string {
  const e = JSON.parse(content);
  const user = (e.agent ?? []).find((a: { requestor?: boolean }) => a.requestor) ?? e.agent?.[0] ?? {};
  const entities = (e.entity ?? []) as { what?: Ref; role?: Coding }[];
  const fields = [
    e.id,
    e.recorded,
    e.type?.code,
    e.subtype?.[0]?.code,
    e.action,
    e.outcome,
    refText(user.who),
    (user.role ?? []).map((r: { coding?: Coding[] }) => r.coding?.[0]?.code).join(' '),
    user.network?.address,
    (e.purposeOfEvent ?? []).map((p: { coding?: Coding[] }) => p.coding?.[0]?.code).join(' '),
    entities.filter((x) => x.role?.code === '1').map((x) => x.what?.reference).join(' '),
    entities.filter((x) => x.role?.code !== '1' && x.what).map((x) => x.what?.reference).join(' '),
  ];
  return fields.map(csvField).join(',') + '\r\n';
}

function refText(r: Ref | undefined): string {
  return r?.reference ?? r?.identifier?.value ?? r?.display ?? '';
}

export function csvField(v: unknown): string {
  let s = v === undefined || v === null ? '' : String(v);
  // OWASP CSV injection: a cell starting with = + - @ or a control character is text, not a formula.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

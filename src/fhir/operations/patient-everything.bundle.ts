import { types, type CustomTypesConfig } from 'pg';

const TEXT_OID = 25;

/**
 * Result rows with `text` columns as the raw UTF-8 bytes PostgreSQL sent (binary result format),
 * so a resource's stored JSON reaches the socket without being decoded into a JavaScript string
 * and encoded back: for a 500-resource record that round trip costs more than the query.
 */
export const RAW_TEXT: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TEXT_OID && format === 'binary' ? (value: Buffer) => value : types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

export interface ByteEntry {
  fullUrl: string;
  /** The stored JSON text, as bytes. */
  resource: Buffer;
  mode: 'match' | 'include';
}

/**
 * A searchset Bundle as JSON bytes around the stored resources' bytes (the byte-level twin of
 * http/bundle-json.ts): only the envelope is serialised here.
 */
export function searchsetBytes(link: { relation: string; url: string }[], entries: ByteEntry[]): Buffer {
  const head = JSON.stringify({ resourceType: 'Bundle', type: 'searchset', link });
  if (entries.length === 0) return Buffer.from(head);
  const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"entry":[`)];
  entries.forEach((e, i) => {
    parts.push(Buffer.from(`${i === 0 ? '' : ','}{"fullUrl":${JSON.stringify(e.fullUrl)},"resource":`), e.resource, Buffer.from(`,"search":{"mode":"${e.mode}"}}`));
  });
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
}

/**
 * Bundles are assembled as JSON text around the stored resource text, never parsing and
 * re-serialising what the store already holds (the $everything and search hot path).
 */
export interface RawEntry {
  fullUrl?: string;
  /** Stored JSON text of the resource. */
  resource?: string | null;
  search?: { mode: 'match' | 'include' | 'outcome'; score?: number };
  request?: { method: string; url: string };
  response?: { status: string; location?: string; etag?: string; lastModified?: string; outcome?: object };
}

export interface RawBundle {
  type: 'searchset' | 'history' | 'batch-response' | 'transaction-response';
  total?: number;
  link?: { relation: string; url: string }[];
  meta?: object;
  entries: RawEntry[];
}

export function bundleJson(b: RawBundle): string {
  const head: Record<string, unknown> = { resourceType: 'Bundle' };
  if (b.meta) head.meta = b.meta;
  head.type = b.type;
  if (b.total !== undefined) head.total = b.total;
  if (b.link?.length) head.link = b.link;
  const headJson = JSON.stringify(head);
  if (b.entries.length === 0) return headJson;
  const parts: string[] = [];
  for (const e of b.entries) parts.push(entryJson(e));
  return `${headJson.slice(0, -1)},"entry":[${parts.join(',')}]}`;
}

function entryJson(e: RawEntry): string {
  let s = '{';
  let first = true;
  const add = (k: string, v: string) => {
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + v;
    first = false;
  };
  if (e.fullUrl) add('fullUrl', JSON.stringify(e.fullUrl));
  if (e.resource) add('resource', e.resource);
  if (e.search) add('search', JSON.stringify(e.search));
  if (e.request) add('request', JSON.stringify(e.request));
  if (e.response) add('response', JSON.stringify(e.response));
  return s + '}';
}

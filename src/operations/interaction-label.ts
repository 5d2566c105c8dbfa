/**
 * A bounded label for metrics: the FHIR interaction a request was (never an id, never a query
 * value: labels must carry no PHI and must not explode in cardinality).
 */
export function interactionLabel(method: string, url: string): string {
  const path = url.split('?', 1)[0];
  if (!path.startsWith('/fhir')) {
    const first = path.split('/')[1] ?? '';
    return /^(healthz|readyz|metrics|audit)$/.test(first) ? first : 'other';
  }
  const p = path.slice(5).split('/').filter(Boolean);
  const m = method === 'HEAD' ? 'GET' : method;
  const op = p.find((s) => s.startsWith('$'));
  if (op) return /^\$[a-z-]{1,32}$/.test(op) ? `operation:${op}` : 'operation';
  if (p.length === 0) return m === 'POST' ? 'batch-transaction' : 'search-system';
  if (p[0] === 'metadata') return 'capabilities';
  if (p[0] === '.well-known') return 'smart-configuration';
  if (p[0] === '_history') return 'history-system';
  if (p.length === 1) return { GET: 'search-type', POST: 'create', PUT: 'conditional-update', DELETE: 'conditional-delete' }[m] ?? 'other';
  if (p[1] === '_search') return 'search-type';
  if (p[1] === '_history') return 'history-type';
  if (p.length === 2) return { GET: 'read', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[m] ?? 'other';
  if (p.length === 3 && p[2] === '_history') return 'history-instance';
  if (p.length === 4 && p[2] === '_history') return 'vread';
  return 'other';
}

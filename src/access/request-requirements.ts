import type { FhirRequest } from '../fhir/fhir-request';
import type { FhirOperation } from '../fhir/operations/operation';
import type { Perm } from './access-policy';

/** The type whose rules stand for "clinical data" at system level (system search and history). */
const SYSTEM_LEVEL_TYPE = 'Patient';

/**
 * What a request asks, in SMART letters on a type, mirroring FhirRouter's routes. `undefined`
 * means the request carries no data rights of its own (a Bundle: its entries are checked).
 */
export function requirementOf(req: FhirRequest, op?: FhirOperation): { type: string; perm: Perm } | undefined {
  const p = req.path;
  const m = req.method === 'HEAD' ? 'GET' : req.method;
  const opAt = p.findIndex((s) => s.startsWith('$'));
  if (opAt >= 0) {
    const target = opAt > 0 ? p[0] : undefined;
    const access = typeof op?.access === 'function' ? op.access(req) : op?.access;
    return { type: access?.type ?? target ?? SYSTEM_LEVEL_TYPE, perm: access?.perm ?? 'r' };
  }
  if (p.length === 0) return m === 'POST' ? undefined : { type: SYSTEM_LEVEL_TYPE, perm: 's' };
  if (p[0] === 'metadata') return undefined;
  if (p[0] === '_history') return { type: SYSTEM_LEVEL_TYPE, perm: 'r' };
  const type = p[0];
  if (p.length === 1) {
    if (m === 'GET') return { type, perm: 's' };
    if (m === 'POST') return { type, perm: 'c' };
    if (m === 'PUT') return { type, perm: 'u' };
    if (m === 'DELETE') return { type, perm: 'd' };
    return { type, perm: 'r' };
  }
  if (p[1] === '_search') return { type, perm: 's' };
  if (p[1] === '_history') return { type, perm: 'r' };
  if (p.length === 2) {
    if (m === 'PUT' || m === 'PATCH') return { type, perm: 'u' };
    if (m === 'DELETE') return { type, perm: 'd' };
    return { type, perm: 'r' };
  }
  return { type, perm: 'r' };
}

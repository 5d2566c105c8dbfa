import type { FastifyRequest } from 'fastify';
import type { FhirRequestContext } from '../fhir-context';

/** RFC 7240 Prefer, the parts FHIR uses. */
export function parsePrefer(header: string | undefined): Pick<FhirRequestContext, 'preferReturn' | 'preferHandling' | 'preferAsync'> {
  const out: Pick<FhirRequestContext, 'preferReturn' | 'preferHandling' | 'preferAsync'> = {};
  if (!header) return out;
  for (const part of header.split(/[,;]/)) {
    const [k, v] = part.split('=').map((s) => s?.trim().replace(/^"|"$/g, ''));
    if (k === 'return' && (v === 'minimal' || v === 'representation' || v === 'OperationOutcome')) out.preferReturn = v;
    if (k === 'handling' && (v === 'strict' || v === 'lenient')) out.preferHandling = v;
    if (k === 'respond-async') out.preferAsync = true;
  }
  return out;
}

export function baseUrlOf(req: FastifyRequest, configured: string | undefined): string {
  if (configured) return `${configured}/fhir`;
  const host = (req.headers['x-forwarded-host'] as string | undefined)?.split(',')[0].trim() || req.headers.host || 'localhost';
  const proto = (req.headers['x-forwarded-proto'] as string | undefined)?.split(',')[0].trim() || req.protocol || 'http';
  const safeHost = /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? host : 'localhost';
  const safeProto = proto === 'https' ? 'https' : 'http';
  return `${safeProto}://${safeHost}/fhir`;
}

export function buildContext(req: FastifyRequest, configuredBase: string | undefined): FhirRequestContext {
  const bg = req.headers['x-break-glass'];
  return {
    requestId: String(req.id),
    baseUrl: baseUrlOf(req, configuredBase),
    clientAddress: req.ip,
    breakGlassReason: typeof bg === 'string' && bg.trim() ? bg.trim().slice(0, 500) : undefined,
    ...parsePrefer(req.headers.prefer as string | undefined),
  };
}

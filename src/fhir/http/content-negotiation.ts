import { notAcceptable, unsupportedMediaType } from '../errors/fhir-error';

const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);
const BODY_TYPES = new Set([...JSON_TYPES, 'application/json-patch+json', 'application/x-www-form-urlencoded']);

/** `application/fhir+json; charset=utf-8` → `application/fhir+json`. */
export function mediaType(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return header.split(';', 1)[0].trim().toLowerCase() || undefined;
}

/**
 * JSON only (CONTRACT.md): an Accept that admits no JSON form, or `_format` naming XML, is 406
 * (FHIR R4 http.html#mime-type).
 */
export function assertAcceptable(accept: string | undefined, format: string | null): void {
  if (format) {
    const f = format.toLowerCase();
    if (!(f === 'json' || JSON_TYPES.has(f) || f === 'application/fhir json' || f === 'application/fhir+json')) {
      throw notAcceptable('Only JSON is supported (_format=json)');
    }
  }
  if (!accept) return;
  const ranges = accept.split(',').map((r) => {
    const [type, ...params] = r.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return { type, q: q ? Number(q.slice(2)) : 1 };
  });
  const ok = ranges.some(
    (r) => r.q > 0 && (JSON_TYPES.has(r.type) || r.type === '*/*' || r.type === 'application/*' || r.type === ''),
  );
  if (!ok) throw notAcceptable('Only application/fhir+json is supported');
}

export function assertBodyType(contentType: string | undefined): void {
  if (contentType && !BODY_TYPES.has(contentType)) {
    throw unsupportedMediaType('The body must be application/fhir+json');
  }
}

export function isJsonType(contentType: string | undefined): boolean {
  return !!contentType && (JSON_TYPES.has(contentType) || contentType === 'application/json-patch+json');
}

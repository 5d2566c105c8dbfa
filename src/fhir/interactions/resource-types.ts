import { badRequest, methodNotAllowed, notFound } from '../errors/fhir-error';
import { SUPPORTED_TYPES, WRITABLE_TYPES } from '../search/registry/supported-types';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const supported = new Set<string>(SUPPORTED_TYPES);
const writable = new Set<string>(WRITABLE_TYPES);

/** FHIR R4 http.html: an unsupported type is "404 Not Found - resource type not supported". */
export function assertType(type: string): void {
  if (!supported.has(type)) throw notFound(`Resource type is not supported: ${sanitize(type)}`);
}

export function assertWritableType(type: string): void {
  assertType(type);
  if (!writable.has(type)) throw methodNotAllowed(`${type} is read-only on this server`);
}

/** FHIR R4 datatypes.html#id. */
export function assertId(id: string): void {
  if (!ID.test(id)) throw badRequest('The resource id must match [A-Za-z0-9-.]{1,64}');
}

export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

/** Echo only harmless characters of a client-sent token in diagnostics. */
export function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9\-._$]/g, '?').slice(0, 64);
}

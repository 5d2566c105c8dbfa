import { applyPatch, JsonPatchError, Operation, validate } from 'fast-json-patch';
import { badRequest, unprocessable } from '../errors/fhir-error';
import type { FhirJson } from '../store/prepare-change';

/**
 * JSON Patch (RFC 6902) as FHIR R4 http.html#patch allows it. A malformed patch document is 400;
 * a well-formed patch that cannot apply (failed `test`, missing path) is 422.
 */
export function applyJsonPatch(doc: FhirJson, ops: unknown): FhirJson {
  if (!Array.isArray(ops)) throw badRequest('A JSON Patch body must be an array of operations');
  const shapeError = validate(ops as Operation[]);
  if (shapeError) throw badRequest(`Invalid JSON Patch operation: ${shapeError.name}`);
  try {
    return applyPatch(doc, ops as Operation[], true, true).newDocument as FhirJson;
  } catch (e) {
    if (e instanceof JsonPatchError) {
      const op = typeof e.index === 'number' ? ` (operation ${e.index})` : '';
      throw unprocessable(`The patch cannot be applied${op}: ${e.name}`);
    }
    throw e;
  }
}

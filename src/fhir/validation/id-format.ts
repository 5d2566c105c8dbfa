/**
 * R4 `id` datatype (datatypes §2.24.0.1): 1-64 characters of A-Z, a-z, 0-9, '-' and '.'.
 *
 * `Resource.id` is typed `http://hl7.org/fhirpath/System.String` in the R4 StructureDefinitions
 * (the `id` type sits only in an extension), so @medplum/core checks it as a plain string and
 * accepts ids with spaces or slashes, which would break `Type/id` URLs and references.
 * `Meta.versionId` is typed `id` proper and medplum checks it; we use the same rule for both.
 */
export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export const ID_RULE = "id must be 1-64 characters of A-Z, a-z, 0-9, '-' and '.'";

export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value);
}

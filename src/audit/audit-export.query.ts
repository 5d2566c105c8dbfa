import { plainToInstance } from 'class-transformer';
import { IsIn, IsOptional, Matches, validateSync } from 'class-validator';
import { badRequest } from '../fhir/errors/fhir-error';

const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const INSTANT_RULE = 'must be an instant, e.g. 2026-01-31T00:00:00Z';

/** The query of `GET /audit/export` (a non-FHIR endpoint: validated with class-validator). */
export class AuditExportQuery {
  @IsOptional()
  @Matches(INSTANT, { message: `since ${INSTANT_RULE}` })
  since?: string;

  @IsOptional()
  @Matches(INSTANT, { message: `until ${INSTANT_RULE}` })
  until?: string;

  @IsOptional()
  @IsIn(['ndjson', 'csv'], { message: 'format must be ndjson or csv' })
  format?: 'ndjson' | 'csv';
}

/** Unknown or repeated parameters, and values of the wrong form, are 400 OperationOutcomes. */
export function validateExportQuery(query: URLSearchParams): AuditExportQuery {
  const plain: Record<string, string> = {};
  for (const [k, v] of query) {
    if (k in plain) throw badRequest(`Export parameter ${k.replace(/[^A-Za-z0-9_-]/g, '?').slice(0, 32)} is repeated`);
    plain[k] = v === '' ? (undefined as unknown as string) : v;
  }
  const dto = plainToInstance(AuditExportQuery, plain);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) {
    const e = errors[0];
    const text = e.constraints?.whitelistValidation
      ? `Unknown export parameter: ${e.property.replace(/[^A-Za-z0-9_-]/g, '?').slice(0, 32)}`
      : Object.values(e.constraints ?? {})[0] ?? 'Invalid export parameter';
    throw badRequest(text);
  }
  return dto;
}

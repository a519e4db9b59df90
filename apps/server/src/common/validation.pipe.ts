import { ValidationError, ValidationPipe } from '@nestjs/common';
import { HoardError } from '@app/contracts';

/** Constraint name of the digest validator: failures of only this one are `invalid_digest`. */
export const IS_SHA256 = 'isSha256';

export interface FieldError {
  field: string;
  errors: string[];
}

/** Flattens nested class-validator errors into `files.3.size`-style field names. */
export function flattenErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints) out.push({ field, errors: Object.values(e.constraints) });
    if (e.children?.length) out.push(...flattenErrors(e.children, field));
  }
  return out;
}

function allDigestErrors(errors: ValidationError[]): boolean {
  return errors.every(
    (e) =>
      (!e.constraints || Object.keys(e.constraints).every((c) => c === IS_SHA256)) &&
      allDigestErrors(e.children ?? []),
  );
}

/**
 * The global validation pipe: whitelists DTO fields, converts query strings, and answers failures with
 * `validation_failed` (or `invalid_digest` when only digests are wrong), naming every bad field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors: ValidationError[]) => {
      const fields = flattenErrors(errors);
      const digestsOnly = allDigestErrors(errors);
      const summary = fields
        .slice(0, 5)
        .map((f) => `${f.field}: ${f.errors[0]}`)
        .join('; ');
      return new HoardError(digestsOnly ? 'invalid_digest' : 'validation_failed', summary || 'Invalid request body', {
        details: { fields },
      });
    },
  });
}

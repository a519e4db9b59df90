import { HoardError } from '@app/contracts';
import type { FieldError } from './validation.pipe';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * Translates the errors of a route's JSON Schema into the contract's `validation_failed` (or `invalid_digest` when
 * only digests are wrong), naming each field as the validation pipe does (`files.3.size`).
 */
export function schemaValidationError(errors: AjvError[]): HoardError {
  const byField = new Map<string, string[]>();
  let digestsOnly = true;
  for (const e of errors) {
    const base = e.instancePath.split('/').filter(Boolean).join('.');
    const missing = e.keyword === 'required' ? String(e.params?.missingProperty ?? '') : '';
    const field = missing ? (base ? `${base}.${missing}` : missing) : base || 'body';
    const leaf = field.split('.').filter((p) => !/^\d+$/.test(p)).pop();
    // A digest position holding anything but a digest string (a number, say) is invalid_digest, as on other routes.
    const badDigest = leaf === 'sha256' && (e.keyword === 'pattern' || (e.keyword === 'type' && e.params?.type === 'string'));
    if (!badDigest) digestsOnly = false;
    const text =
      badDigest
        ? 'must be a SHA-256 digest (64 hexadecimal characters)'
        : e.keyword === 'required'
          ? 'is required'
          : (e.message ?? e.keyword);
    byField.set(field, [...(byField.get(field) ?? []), `${field} ${text}`]);
  }
  const fields: FieldError[] = [...byField].map(([field, list]) => ({ field, errors: list }));
  const summary = fields.slice(0, 5).map((f) => f.errors[0]).join('; ');
  return new HoardError(digestsOnly ? 'invalid_digest' : 'validation_failed', summary || 'Invalid request body', {
    details: { fields },
  });
}

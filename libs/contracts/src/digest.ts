import { HoardError } from './errors';

/** SHA-256 of zero bytes: never missing, never uploaded. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const SHA256_RE = /^[0-9a-fA-F]{64}$/;

/** True when `value` is a SHA-256 digest as 64 hex characters (either case). */
export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256_RE.test(value);
}

/**
 * Validates and lower-cases a digest.
 * @throws HoardError `invalid_digest` for anything that is not 64 hex characters.
 */
export function normalizeSha256(value: unknown, field = 'sha256'): string {
  if (!isSha256(value)) {
    throw new HoardError('invalid_digest', `${field} must be a SHA-256 digest: 64 hexadecimal characters`, {
      details: { field },
    });
  }
  return value.toLowerCase();
}

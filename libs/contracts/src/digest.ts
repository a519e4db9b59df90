import { HoardError } from './errors';

declare const SHA256_BRAND: unique symbol;

/**
 * A SHA-256 digest as 64 lower-case hex characters. Made only by {@link normalizeSha256} (input at the edge) and
 * {@link sha256Of} (digests of our own hashing); the storage and metadata ports take nothing else, so they never
 * need to validate or lower-case a digest again.
 */
export type Sha256 = string & { readonly [SHA256_BRAND]: 'Sha256' };

/** SHA-256 of zero bytes: never missing, never uploaded. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' as Sha256;

const SHA256_RE = /^[0-9a-fA-F]{64}$/;

/** True when `value` is a SHA-256 digest as 64 hex characters (either case). */
export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256_RE.test(value);
}

/**
 * Validates and lower-cases a digest.
 * @throws HoardError `invalid_digest` for anything that is not 64 hex characters.
 */
export function normalizeSha256(value: unknown, field = 'sha256'): Sha256 {
  if (!isSha256(value)) {
    throw new HoardError('invalid_digest', `${field} must be a SHA-256 digest: 64 hexadecimal characters`, {
      details: { field },
    });
  }
  return value.toLowerCase() as Sha256;
}

/** The digest of a finished SHA-256 hash (node:crypto's `Hash`, or anything that answers hex the same way). */
export function sha256Of(hash: { digest(encoding: 'hex'): string }): Sha256 {
  return hash.digest('hex') as Sha256;
}

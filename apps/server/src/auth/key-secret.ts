import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new API key: 256 random bits, URL-safe, with a prefix that makes leaked keys easy to grep for. */
export function generateKeySecret(): string {
  return `hk_${randomBytes(32).toString('base64url')}`;
}

/** A new key id (not secret). */
export function generateKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}

/** The only form in which a key is stored. Keys carry 256 bits of entropy, so a fast hash is enough. */
export function hashKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

import { bucketProblem, HoardError, objectKeyProblem } from '@app/contracts';
import type { StoredFile } from '@app/metadata';
import { optionError, PutObjectOptions } from './object-options';

/** The longest lifetime an object may be given: about 300 years. */
const MAX_TTL_SECONDS = 9_999_999_999;

/** Whether an object version's lifetime has run out at `now`. */
export function isExpired(stored: StoredFile, now: Date): boolean {
  const expires = stored.object?.expires_at;
  return expires !== null && expires !== undefined && expires.getTime() <= now.getTime();
}

/** @throws HoardError validation_failed naming `bucket` or `key` */
export function checkName(bucket: string, key: string, keyField = 'key'): void {
  const problem = bucketProblem(bucket);
  if (problem) throw optionError('bucket', problem);
  const keyProblem = objectKeyProblem(key);
  if (keyProblem) throw optionError(keyField, keyProblem);
}

/**
 * When the object stops being served, given when it is stored: its expiry, or its time to live from then (at most one
 * of them; an expiry must be in the future when the upload begins).
 */
export function lifetime(options: PutObjectOptions, now: Date): (storedAt: Date) => Date | null {
  if (options.expiresAt && options.ttlSeconds !== undefined) {
    throw optionError('X-Hoard-Expires-At', 'and X-Hoard-Ttl-Seconds cannot both be given: choose one');
  }
  if (options.ttlSeconds !== undefined) {
    if (!Number.isSafeInteger(options.ttlSeconds) || options.ttlSeconds < 1 || options.ttlSeconds > MAX_TTL_SECONDS) {
      throw optionError('X-Hoard-Ttl-Seconds', 'must be a whole number of seconds, at least 1');
    }
    const ttlMs = options.ttlSeconds * 1000;
    return (storedAt) => new Date(storedAt.getTime() + ttlMs);
  }
  const expiresAt = options.expiresAt ?? null;
  if (expiresAt && expiresAt.getTime() <= now.getTime()) {
    throw optionError('X-Hoard-Expires-At', 'must be in the future: the object would be gone before it was stored');
  }
  return () => expiresAt;
}

export function notFound(bucket: string, key: string, version?: number): HoardError {
  const what = version === undefined ? `No object ${bucket}/${key}` : `No version ${version} of object ${bucket}/${key}`;
  return new HoardError('not_found', what, { details: { bucket, key } });
}

import { HoardError } from '@app/contracts';

/** The error of a body whose content does not hash to the digest it was sent under. */
export function digestMismatch(expected: string, actual: string): HoardError {
  return new HoardError('digest_mismatch', `the content hashes to ${actual}, not to ${expected}`, {
    details: { expected, actual },
  });
}

/** The error of a body stream that failed or was cut off before its end. */
export function uploadInterrupted(cause: unknown): HoardError {
  return new HoardError('invalid_request', 'upload interrupted: the body ended before it was complete', { cause });
}

/** System errors of a file system (or quota) with no room left. */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/**
 * The error of a store that could not do its part (disk, network, permissions): `unavailable`, or
 * `insufficient_storage` when the cause is a full disk or an exhausted quota (a client must not retry that).
 */
export function storeUnavailable(what: string, cause: unknown): HoardError {
  if (NO_SPACE.has((cause as { code?: string } | undefined)?.code ?? '')) return storeFull(what, cause);
  const reason = cause instanceof Error ? `: ${cause.message}` : '';
  return new HoardError('unavailable', `blob store unavailable (${what})${reason}`, { cause });
}

/** The error of a store with no room left for the content; its message names nothing of the server's. */
export function storeFull(what: string, cause: unknown): HoardError {
  return new HoardError('insufficient_storage', 'The blob store is full: nothing was stored; free space before uploading again', {
    details: { operation: what },
    cause,
  });
}

/**
 * Decides what a failed upload pipeline means: the store's own typed errors pass through, a failure of the
 * store's own writing (`storeFailure`, when there was one) is `unavailable`, anything else came from the body
 * and is an interrupted upload.
 */
export function classifyPutFailure(error: unknown, storeFailure: unknown, what: string): HoardError {
  if (error instanceof HoardError) return error;
  if (storeFailure !== undefined) return storeUnavailable(what, storeFailure);
  return uploadInterrupted(error);
}

/** True for a Node system error with this code (ENOENT, EEXIST, …). */
export function hasErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** The error of a read of a blob that is not stored. */
export function blobNotFound(sha256: string): HoardError {
  return new HoardError('not_found', `no blob ${sha256}`, { details: { sha256 } });
}

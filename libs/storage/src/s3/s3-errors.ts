import { HoardError } from '@app/contracts';
import { storeFull, storeUnavailable } from '../shared/store-errors';

interface SdkErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** HTTP status of an S3 SDK error, when it carries one. */
export function s3Status(error: unknown): number | undefined {
  return (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** True for "no such key / bucket" answers (HEAD answers carry no error code, only the 404). */
export function isS3NotFound(error: unknown): boolean {
  const name = (error as SdkErrorShape | undefined)?.name;
  return name === 'NotFound' || name === 'NoSuchKey' || name === 'NoSuchBucket' || s3Status(error) === 404;
}

/** True when a conditional write (`If-None-Match: *`) found the key already taken. */
export function isPreconditionFailed(error: unknown): boolean {
  return s3Status(error) === 412;
}

/** True when S3 asks to retry a conditional write that raced with another one on the same key. */
export function isConditionalConflict(error: unknown): boolean {
  return s3Status(error) === 409;
}

/** S3 (and MinIO) answers of a store or a quota with no room left for the object. */
const FULL_CODES = new Set([
  'XMinioStorageFull',
  'XMinioAdminBucketQuotaExceeded',
  'QuotaExceeded',
  'EntityTooLarge',
  'InsufficientStorage',
]);

/** True when S3 refused a write for want of space (a full drive, a bucket quota): 507 rather than 503. */
export function isS3Full(error: unknown): boolean {
  const shape = error as SdkErrorShape | undefined;
  return FULL_CODES.has(shape?.name ?? '') || FULL_CODES.has(shape?.Code ?? '') || s3Status(error) === 507;
}

/** Maps an SDK or network failure to `unavailable` (`insufficient_storage` when S3 is full); HoardErrors pass through. */
export function s3Failure(what: string, error: unknown): HoardError {
  if (error instanceof HoardError) return error;
  if (isS3Full(error)) return storeFull(`S3 ${what}`, error);
  return storeUnavailable(`S3 ${what}`, error);
}

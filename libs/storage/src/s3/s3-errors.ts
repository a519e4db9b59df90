import { HoardError } from '@app/contracts';
import { storeUnavailable } from '../shared/store-errors';

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

/** Maps an SDK or network failure to `unavailable`; HoardErrors pass through. */
export function s3Failure(what: string, error: unknown): HoardError {
  if (error instanceof HoardError) return error;
  return storeUnavailable(`S3 ${what}`, error);
}

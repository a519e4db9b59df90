import { isConditionalConflict, isPreconditionFailed, s3Failure } from './s3-errors';

const CONFLICT_RETRIES = 5;

/**
 * Runs a conditional write (`If-None-Match: *`): true when it created the object, false when the key was already
 * taken (a verified blob is never replaced). Retries the write S3 reports as racing with another one (409).
 */
export async function writeIfAbsent(write: () => Promise<unknown>): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return true;
    } catch (error) {
      if (isPreconditionFailed(error)) return false;
      if (!isConditionalConflict(error) || attempt >= CONFLICT_RETRIES) throw s3Failure('commit', error);
      await new Promise((resolve) => setTimeout(resolve, attempt * 50 + Math.random() * 50));
    }
  }
}

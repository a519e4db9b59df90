import { HoardError } from '@app/contracts';

/** The error of a file that no longer has the size it had when it was hashed: its content changed. */
export function changedSizeError(): HoardError {
  return new HoardError('digest_mismatch', 'the file changed size since it was hashed');
}

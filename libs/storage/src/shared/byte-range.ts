import { HoardError } from '@app/contracts';
import type { ByteRange } from '../blob-store';

/**
 * Checks an inclusive range against a blob's size.
 * @throws HoardError `range_not_satisfiable` when it does not lie within the blob.
 */
export function checkRange(range: ByteRange, size: number): void {
  const { start, end } = range;
  const valid = Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end < size;
  if (!valid) {
    throw new HoardError('range_not_satisfiable', `range ${start}-${end} is outside the blob of ${size} bytes`, {
      details: { start, end, size },
    });
  }
}

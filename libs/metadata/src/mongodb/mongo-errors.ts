import { MongoNetworkError, MongoNotConnectedError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import { HoardError } from '@app/contracts';

/** True for MongoDB's duplicate key error (a unique index refused a write). */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/** Rethrows "the database cannot be reached" as `HoardError('unavailable')`; other errors pass through unchanged. */
export function mapMongoError(error: unknown): never {
  if (error instanceof HoardError) throw error;
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError
  ) {
    throw new HoardError('unavailable', `metadata database unavailable: ${error.message}`, { cause: error });
  }
  throw error;
}

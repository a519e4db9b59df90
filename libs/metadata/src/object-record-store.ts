import type { StoredFile } from './metadata-types';

/** DI token of the configured {@link ObjectRecordStore}. */
export const OBJECT_RECORD_STORE = Symbol('OBJECT_RECORD_STORE');

/**
 * The questions only objects ask of the records they share with hosts' files (see FileRecordStore, where objects
 * are written, listed, deleted and their history read, in the `bucket` namespace). Adapters: sqlite, mongodb; safe
 * to call concurrently from several server instances sharing one database; `HoardError('unavailable')` when the
 * database cannot be reached.
 */
export interface ObjectRecordStore {
  /**
   * The newest version of `bucket`/`key` (or version `version`), deleted or expired or not, so that a reader can
   * tell an object that never existed (null) from one that is gone. Null when there is no such version.
   */
  objectVersion(bucket: string, key: string, version?: number): Promise<StoredFile | null>;
  /**
   * Marks one object version deleted unless it is already: true only for the call that deleted it, so that of
   * concurrent callers exactly one wins (delete-after-download).
   */
  deleteVersionOnce(id: string, now: Date): Promise<boolean>;
  /**
   * Marks up to `limit` object versions whose `expires_at` is `now` or earlier deleted (at `now`), oldest expiry
   * first; returns how many. Their records then go the way of deleted ones (prune, and GC of their content).
   */
  markExpiredDeleted(now: Date, limit: number): Promise<number>;
}

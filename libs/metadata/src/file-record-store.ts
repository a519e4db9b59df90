import type { Sha256 } from '@app/contracts';
import type { FilePage, FileQuery, FileToRecord, RecordedFile, RecordNamespace, SeenOutcome, StoredFile } from './metadata-types';

/** DI token of the configured {@link FileRecordStore}. */
export const FILE_RECORD_STORE = Symbol('FILE_RECORD_STORE');

/**
 * Versions per (hostname, filepath): a host's files, and in the `bucket` namespace the versions of objects per
 * (bucket, key), in the same table or collection so that clones, stats, retention and GC treat both alike.
 * Recording, confirming, deleting and querying them. Adapters: sqlite, mongodb. Every method is safe to call
 * concurrently from several server instances sharing one database. Methods that name a path take its namespace
 * (default `host`). Adapters throw `HoardError('invalid_request')` for a malformed cursor and
 * `HoardError('unavailable')` when the database cannot be reached.
 */
export interface FileRecordStore {
  /**
   * Records what hosts saw, in order. Same (hostname, filepath) with the same digest, type and link target as the
   * current version: refreshes `last_seen_at` and stat fields -> `unchanged`. Otherwise (new path, different
   * content or link, or the current version was deleted) a new version becomes current and the old one stays as history -> `created`.
   * An object (`bucket` namespace) is written whole each time: it always makes a new version.
   */
  recordFiles(files: FileToRecord[], now: Date): Promise<RecordedFile[]>;

  /**
   * Refreshes `last_seen_at` of these records (by id, each given once) when each is the current, not deleted version
   * of a path on `hostname`; the others (unknown, older versions, deleted, another host's, objects) are left alone and
   * come back as stale. Says which confirmed records' content is not available. Lets a host confirm unchanged files
   * without resending them, in one pass over the records.
   */
  markFilesSeen(hostname: string, ids: string[], now: Date): Promise<SeenOutcome>;

  /** Marks the current versions of these paths deleted; returns how many were not deleted before. */
  markPathsDeleted(hostname: string, filepaths: string[], now: Date, namespace?: RecordNamespace): Promise<number>;
  /** Marks one version deleted; false when no such id. Deleting a deleted record is a no-op returning true. */
  markFileDeleted(id: string, now: Date): Promise<boolean>;
  /** Marks current versions under a path prefix (as in {@link FileQuery}) on a host deleted; returns how many. */
  markPrefixDeleted(hostname: string, pathPrefix: string, now: Date, namespace?: RecordNamespace): Promise<number>;

  /** One version of either namespace (see `namespace` on it), or null. */
  getFile(id: string): Promise<StoredFile | null>;
  /** Current versions (and deleted current versions when asked), or those current `at` a time; ordered by id, paginated. */
  listFiles(query: FileQuery): Promise<FilePage>;
  /** The current version at a path (not deleted), or null. */
  currentFile(hostname: string, filepath: string, namespace?: RecordNamespace): Promise<StoredFile | null>;
  /** Every version at a path, newest first. */
  fileHistory(hostname: string, filepath: string, namespace?: RecordNamespace): Promise<StoredFile[]>;
  /**
   * Current, not deleted records of this digest, hosts' files and objects alike; the first is the epoch (the earliest
   * record of it).
   */
  filesWithContent(sha256: Sha256): Promise<StoredFile[]>;
  /** The earliest record a host made of this digest, deleted or not, or null. */
  epochFile(sha256: Sha256): Promise<StoredFile | null>;
}

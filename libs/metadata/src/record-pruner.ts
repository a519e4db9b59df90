/** DI token of the configured {@link RecordPruner}. */
export const RECORD_PRUNER = Symbol('RECORD_PRUNER');

import type { RecordNamespace } from './metadata-types';

/** Where a walk over the paths stands: after this path (a host's file, or an object in the `bucket` namespace). */
export interface PathKey {
  namespace: RecordNamespace;
  hostname: string;
  filepath: string;
}

/** One version of a path, as much as deciding whether to keep it needs. */
export interface VersionInfo {
  id: string;
  version: number;
  first_seen_at: Date;
  deleted_at: Date | null;
}

/** A path and every version it has, newest first: the first is its current version. */
export interface PathVersions extends PathKey {
  versions: VersionInfo[];
}

/**
 * Removing file versions that retention no longer keeps. Adapters: sqlite, mongodb. Safe beside every other write of
 * the other instances: a removal re-checks, as it removes, what makes a version removable.
 * `HoardError('unavailable')` when the database cannot be reached.
 */
export interface RecordPruner {
  /** How many versions there are (every path, deleted ones included). */
  countVersions(): Promise<number>;
  /**
   * The paths after `after` (every path when null) in (namespace, hostname, filepath) order, each with all its versions, until
   * at least `limit` versions are listed (a path's versions are never split).
   */
  pathVersions(after: PathKey | null, limit: number): Promise<PathVersions[]>;
  /**
   * Removes these versions, never the current version of a live path (such ids are left alone). Returns the ids it
   * removed.
   */
  removeVersions(ids: string[]): Promise<string[]>;
  /**
   * Removes every version of a deleted path, as long as its current version is still the one deleted at `deletedAt`
   * (a path recorded again since then is left alone). Returns how many versions it removed.
   */
  forgetDeletedPath(path: PathKey, deletedAt: Date): Promise<number>;
}

import Database from 'better-sqlite3';
import { CachedDir } from './cached-dir';
import { SELECT_DIR } from './cache-rows';
import { decodeDir } from './dir-codec';

/** What the walk needs of the cache: each directory's cached entries. */
export interface CacheDirs {
  /** The cached entries of directory `dir` (absolute), or null when none. */
  dir(dir: string): CachedDir | null;
}

/** A read-only view of a cache, opened on its own connection (e.g. by another thread). */
export interface CacheReader extends CacheDirs {
  close(): void;
}

/** Opens the cache file `file`, which a StateCache has opened before (so its layout is current), for reading `scope`. */
export function openCacheReader(file: string, scope: string): CacheReader {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  const get = db.prepare(SELECT_DIR).raw();
  return {
    dir: (dir) => {
      const row = get.get(scope, dir) as [Buffer] | undefined;
      return row ? decodeDir(dir, row[0]) : null;
    },
    close: () => db.close(),
  };
}

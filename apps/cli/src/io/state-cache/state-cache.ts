import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CachedFile, CacheHit, FileFingerprint } from './cache-entry';
import { migrate } from './cache-migration';
import { baseName, childPath, parentDir } from './cache-paths';
import { CacheChanges, groupByDir, SELECT_DIR, writeDir } from './cache-rows';
import { CachedDir } from './cached-dir';
import { decodeDir } from './dir-codec';
import { i64 } from './fingerprints';
import { UploadUrls } from './upload-urls';

/**
 * The local state cache: for each (server, hostname) scope and each directory, the entries recorded there with
 * the fingerprint each file had when it was recorded, its digest and record id, packed in one row per directory
 * so that a scan reads a directory's cache with one lookup. A file whose fingerprint is unchanged is neither
 * re-read nor re-sent. An index from (device, inode) to directories finds renamed files. Stored in SQLite (WAL)
 * under the cache directory.
 */
export class StateCache {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<StateCache['prepare']>;
  private last: { dir: string; cached: CachedDir | null } | null = null;
  /** Whether the scope had any inode indexed when the cache was opened: if not, a rename can only be of a file saved since. */
  private readonly inodesAtOpen: boolean;
  /** The inode numbers saved since (device aside: a shared number only costs a lookup). */
  private readonly savedInodes = new Set<bigint>();

  /** The SQLite file. */
  readonly file: string;
  /** The URLs of this server's unfinished resumable uploads. */
  readonly uploads: UploadUrls;

  constructor(
    dir: string,
    readonly scope: string,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, 'state.sqlite');
    this.db = new Database(this.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    migrate(this.db);
    this.statements = this.prepare();
    this.inodesAtOpen = this.db.prepare('SELECT 1 FROM inodes WHERE scope = ? LIMIT 1').get(scope) !== undefined;
    this.uploads = new UploadUrls(this.db, StateCache.serverOf(scope));
  }

  /** Builds the scope of a cache: one server and one hostname. */
  static scopeOf(serverUrl: string, hostname: string): string {
    return `${serverUrl.replace(/\/+$/, '')}\n${hostname}`;
  }

  /** The server of a scope (its base URL). */
  static serverOf(scope: string): string {
    return scope.split('\n')[0];
  }

  /** The cached entries of directory `dir` (absolute), or null when none. */
  dir(dir: string): CachedDir | null {
    const row = this.statements.dir.get(this.scope, dir) as [Buffer] | undefined;
    return row ? decodeDir(dir, row[0]) : null;
  }

  /** True when `path` has a cached entry (whatever its fingerprint). */
  lookupName(path: string): boolean {
    return (this.decoded(parentDir(path))?.indexOf(baseName(path)) ?? -1) >= 0;
  }

  /** The digest (and record id) of `path` when its fingerprint matches the cached one exactly, else null. */
  lookup(path: string, fp: FileFingerprint): CacheHit | null {
    const cached = this.decoded(parentDir(path));
    const i = cached?.indexOf(baseName(path)) ?? -1;
    if (!cached || i < 0 || !cached.fingerprints.matches(i, fp)) return null;
    return { sha256: cached.sha256(i), recordId: cached.recordId(i) };
  }

  /**
   * A cached file with the same inode, device, size and mtime under another path: the same file renamed
   * (a rename changes ctime, so ctime is not compared). Null when none. Not looked up in a scope that had nothing
   * cached when it was opened, unless the inode was saved since: a first scan of 100,000 files spent 1 s on lookups
   * that found nothing.
   */
  lookupRenamed(path: string, fp: FileFingerprint): CachedFile | null {
    if (!this.inodesAtOpen && !this.savedInodes.has(fp.ino)) return null;
    const rows = this.statements.byInode.all(this.scope, i64(fp.dev), i64(fp.ino)) as Array<[string, string]>;
    for (const [dir, name] of rows) {
      if (childPath(dir, name) === path) continue;
      const cached = this.decoded(dir);
      const i = cached?.indexOf(name) ?? -1;
      if (cached && i >= 0 && cached.fingerprints.sameFile(i, fp)) return cached.entry(i);
    }
    return null;
  }

  /** Saves (or replaces) entries in one transaction. */
  putMany(entries: CachedFile[]): void {
    this.last = null;
    if (!this.inodesAtOpen) for (const entry of entries) this.savedInodes.add(entry.ino);
    this.statements.edit(groupByDir(entries.map((e) => [e.path, e])));
  }

  /** Forgets paths in one transaction. */
  removeMany(paths: string[]): void {
    this.last = null;
    this.statements.edit(groupByDir(paths.map((p) => [p, null])));
  }

  /** Directories with cached entries at or under `root` (an absolute path). */
  dirsUnder(root: string): string[] {
    const base = root.endsWith('/') ? root : `${root}/`;
    const rows = this.statements.under.all(this.scope, base.slice(0, -1) || '/', base, base.slice(0, -1) + '0') as Array<[string]>;
    return rows.map((r) => r[0]);
  }

  close(): void {
    this.db.close();
  }

  /**
   * `dir`, decoded once while the cache is not written: a scan looks up a directory's files one after another, and
   * reading its row for each (the row grows as the scan records them) made a first scan quadratic in directory size.
   * Rename lookups often land in the same directory too.
   */
  private decoded(dir: string): CachedDir | null {
    if (this.last?.dir !== dir) this.last = { dir, cached: this.dir(dir) };
    return this.last.cached;
  }

  private prepare() {
    const dir = this.db.prepare(SELECT_DIR).raw();
    return {
      dir,
      byInode: this.db.prepare('SELECT dir, name FROM inodes WHERE scope = ? AND dev = ? AND ino = ?').raw(),
      under: this.db.prepare('SELECT dir FROM dirs WHERE scope = ? AND (dir = ? OR (dir >= ? AND dir < ?)) ORDER BY dir').raw(),
      edit: this.db.transaction((byDir: CacheChanges) => {
        for (const [path, changes] of byDir) {
          const row = dir.get(this.scope, path) as [Buffer] | undefined;
          const current = row ? decodeDir(path, row[0]).toMap() : new Map<string, CachedFile>();
          const before = [...current.values()];
          for (const [name, entry] of changes) {
            if (entry) current.set(name, entry);
            else current.delete(name);
          }
          writeDir(this.db, this.scope, path, [...current.values()], before);
        }
      }),
    };
  }
}

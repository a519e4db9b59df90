import Database from 'better-sqlite3';
import { CachedFile } from './cache-entry';
import { baseName, parentDir } from './cache-paths';
import { encodeDir } from './dir-codec';
import { i64 } from './fingerprints';

/** The row of one directory of a scope: `.get(scope, dir)` on a raw statement gives `[entries]`. */
export const SELECT_DIR = 'SELECT entries FROM dirs WHERE scope = ? AND dir = ?';

/** Changes of paths: an entry to save, or null to forget the path. */
export type CacheChanges = Map<string, Map<string, CachedFile | null>>;

/** Writes a directory's entries (all of them) and keeps the inode index in step with `before`. */
export function writeDir(db: Database.Database, scope: string, dir: string, entries: CachedFile[], before: CachedFile[] = []): void {
  if (entries.length === 0) db.prepare('DELETE FROM dirs WHERE scope = ? AND dir = ?').run(scope, dir);
  else db.prepare('INSERT OR REPLACE INTO dirs (scope, dir, entries) VALUES (?, ?, ?)').run(scope, dir, encodeDir(entries));
  const key = (e: CachedFile) => `${i64(e.dev)}:${i64(e.ino)}:${e.path}`;
  const now = new Map(entries.map((e) => [key(e), e]));
  const was = new Map(before.map((e) => [key(e), e]));
  const remove = db.prepare('DELETE FROM inodes WHERE scope = ? AND dev = ? AND ino = ? AND dir = ? AND name = ?');
  const add = db.prepare('INSERT OR IGNORE INTO inodes (scope, dev, ino, dir, name) VALUES (?, ?, ?, ?, ?)');
  for (const [k, e] of was) if (!now.has(k)) remove.run(scope, i64(e.dev), i64(e.ino), dir, baseName(e.path));
  for (const [k, e] of now) if (!was.has(k)) add.run(scope, i64(e.dev), i64(e.ino), dir, baseName(e.path));
}

/** Changes grouped by directory, then by name (a later change of the same path wins). */
export function groupByDir(changes: Array<[string, CachedFile | null]>): CacheChanges {
  const out: CacheChanges = new Map();
  for (const [path, entry] of changes) {
    const dir = parentDir(path);
    let names = out.get(dir);
    if (!names) out.set(dir, (names = new Map()));
    names.set(baseName(path), entry);
  }
  return out;
}

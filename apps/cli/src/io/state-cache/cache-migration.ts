import Database from 'better-sqlite3';
import { CachedFile } from './cache-entry';
import { groupByDir, writeDir } from './cache-rows';

/**
 * Version of the layout, kept in SQLite's user_version: one row per directory, an index by inode (2), and the URLs
 * of unfinished resumable uploads (3).
 */
const SCHEMA_VERSION = 3;

/**
 * Creates the tables, or brings a cache of an older layout (one row per file) to this one; nothing when the layout
 * is current. Two CLIs opening an old cache at once take turns, and the second finds the work done.
 */
export function migrate(db: Database.Database): void {
  if (db.pragma('user_version', { simple: true }) === SCHEMA_VERSION) return;
  let migrated = false;
  db.transaction(() => {
    if (db.pragma('user_version', { simple: true }) === SCHEMA_VERSION) return;
    db.exec(`CREATE TABLE IF NOT EXISTS dirs (
      scope TEXT NOT NULL, dir TEXT NOT NULL, entries BLOB NOT NULL, PRIMARY KEY (scope, dir)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS inodes (
      scope TEXT NOT NULL, dev INTEGER NOT NULL, ino INTEGER NOT NULL, dir TEXT NOT NULL, name TEXT NOT NULL,
      PRIMARY KEY (scope, dev, ino, dir, name)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS uploads (
      server TEXT NOT NULL, target TEXT NOT NULL, size INTEGER NOT NULL, url TEXT NOT NULL, created_at INTEGER NOT NULL,
      PRIMARY KEY (server, target)) WITHOUT ROWID;`);
    migrated = regroupFileRows(db);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
  // Gives back the pages of the per-file table (once; another CLI using the cache just makes this wait or fail).
  if (migrated) {
    try {
      db.exec('VACUUM');
    } catch {
      // Only space is lost.
    }
  }
}

type FileRow = {
  scope: string;
  path: string;
  size: bigint;
  mtime_ns: bigint;
  ctime_ns: bigint;
  ino: bigint;
  dev: bigint;
  sha256: string;
  record_id: string | null;
};

/** Moves the rows of the first layout's `files` table (record ids or not) into directory rows; false when there is none. */
function regroupFileRows(db: Database.Database): boolean {
  if (!db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'files'").get()) return false;
  const columns = db.prepare('PRAGMA table_info(files)').all() as Array<{ name: string }>;
  const recordId = columns.some((c) => c.name === 'record_id') ? 'record_id' : 'NULL';
  const rows = db
    .prepare(`SELECT scope, path, size, mtime_ns, ctime_ns, ino, dev, sha256, ${recordId} AS record_id FROM files ORDER BY scope, path`)
    .safeIntegers(true)
    .all() as FileRow[];
  const byScope = new Map<string, CachedFile[]>();
  for (const r of rows) {
    if (!/^[0-9a-f]{64}$/.test(r.sha256)) continue;
    const list = byScope.get(r.scope) ?? [];
    list.push({
      path: r.path,
      size: r.size,
      mtimeNs: r.mtime_ns,
      ctimeNs: r.ctime_ns,
      ino: r.ino,
      dev: r.dev,
      sha256: r.sha256,
      recordId: r.record_id,
    });
    byScope.set(r.scope, list);
  }
  for (const [scope, entries] of byScope) {
    for (const [dir, changes] of groupByDir(entries.map((e) => [e.path, e])))
      writeDir(db, scope, dir, [...changes.values()] as CachedFile[]);
  }
  db.exec('DROP TABLE files');
  return true;
}

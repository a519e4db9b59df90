import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** What identifies a file's state without reading it: size, times in nanoseconds, inode and device. */
export interface FileFingerprint {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
  dev: bigint;
}

export interface CachedFile extends FileFingerprint {
  path: string;
  sha256: string;
  /** The server's id of the record made of this path and digest (null when unknown). */
  recordId: string | null;
}

/** What an exact fingerprint match knows of a path. */
export interface CacheHit {
  sha256: string;
  recordId: string | null;
}

type Row = {
  path: string; size: bigint; mtime_ns: bigint; ctime_ns: bigint; ino: bigint; dev: bigint; sha256: string; record_id: string | null;
};

/**
 * The local state cache: for each (server, hostname, absolute path), the fingerprint of the file when it was last
 * recorded and its digest. A file whose fingerprint is unchanged is neither re-read nor re-sent. Stored in SQLite
 * (WAL) under the cache directory; integers are 64-bit, read back as bigint.
 */
export class StateCache {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<StateCache['prepare']>;

  constructor(dir: string, private readonly scope: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.db = new Database(join(dir, 'state.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS files (
      scope TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
      ctime_ns INTEGER NOT NULL, ino INTEGER NOT NULL, dev INTEGER NOT NULL, sha256 TEXT NOT NULL,
      PRIMARY KEY (scope, path)) WITHOUT ROWID;
      DROP INDEX IF EXISTS files_inode;
      CREATE INDEX IF NOT EXISTS files_by_inode ON files (dev, ino);`);
    const columns = this.db.prepare('PRAGMA table_info(files)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'record_id')) this.db.exec('ALTER TABLE files ADD COLUMN record_id TEXT');
    this.statements = this.prepare();
  }

  /** Builds the scope of a cache: one server and one hostname. */
  static scopeOf(serverUrl: string, hostname: string): string {
    return `${serverUrl.replace(/\/+$/, '')}\n${hostname}`;
  }

  /** The digest (and record id) of `path` when its fingerprint matches the cached one exactly, else null. */
  lookup(path: string, fp: FileFingerprint): CacheHit | null {
    const row = this.statements.get.get(this.scope, path, fp.size, fp.mtimeNs, i64(fp.ctimeNs), i64(fp.ino), i64(fp.dev)) as
      | [string, string | null]
      | undefined;
    return row ? { sha256: row[0], recordId: row[1] } : null;
  }

  /**
   * A cached file with the same inode, device, size and mtime under another path: the same file renamed
   * (a rename changes ctime, so ctime is not compared). Null when none.
   */
  lookupRenamed(path: string, fp: FileFingerprint): CachedFile | null {
    const rows = this.statements.byInode.all(i64(fp.dev), i64(fp.ino), this.scope) as Row[];
    const row = rows.find((r) => r.path !== path && r.size === fp.size && r.mtime_ns === fp.mtimeNs);
    return row ? toCached(row) : null;
  }

  /** Saves (or replaces) entries in one transaction. */
  putMany(entries: CachedFile[]): void {
    this.statements.putMany(entries);
  }

  /** Forgets paths in one transaction. */
  removeMany(paths: string[]): void {
    this.statements.removeMany(paths);
  }

  /** Paths cached at or under `root` (an absolute path), in order. */
  *pathsUnder(root: string): Generator<string> {
    const base = root.endsWith('/') ? root : `${root}/`;
    for (const row of this.statements.under.iterate(this.scope, root, base, base.slice(0, -1) + '0') as Iterable<{ path: string }>) {
      yield row.path;
    }
  }

  close(): void {
    this.db.close();
  }

  private prepare() {
    const put = this.db.prepare(
      `INSERT OR REPLACE INTO files (scope, path, size, mtime_ns, ctime_ns, ino, dev, sha256, record_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const remove = this.db.prepare('DELETE FROM files WHERE scope = ? AND path = ?');
    return {
      get: this.db
        .prepare(
          `SELECT sha256, record_id FROM files
           WHERE scope = ? AND path = ? AND size = ? AND mtime_ns = ? AND ctime_ns = ? AND ino = ? AND dev = ?`,
        )
        .raw(),
      // Named, because the planner would otherwise walk the whole scope through the primary key.
      byInode: this.db.prepare('SELECT * FROM files INDEXED BY files_by_inode WHERE dev = ? AND ino = ? AND scope = ?').safeIntegers(true),
      under: this.db.prepare('SELECT path FROM files WHERE scope = ? AND (path = ? OR (path >= ? AND path < ?)) ORDER BY path'),
      putMany: this.db.transaction((entries: CachedFile[]) => {
        for (const e of entries) {
          put.run(this.scope, e.path, e.size, e.mtimeNs, i64(e.ctimeNs), i64(e.ino), i64(e.dev), e.sha256, e.recordId);
        }
      }),
      removeMany: this.db.transaction((paths: string[]) => {
        for (const p of paths) remove.run(this.scope, p);
      }),
    };
  }
}

/** Inode and device numbers are unsigned 64-bit; SQLite integers are signed: store the same bits. */
function i64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

function toCached(row: Row): CachedFile {
  return {
    path: row.path, size: row.size, mtimeNs: row.mtime_ns, ctimeNs: row.ctime_ns,
    ino: BigInt.asUintN(64, row.ino), dev: BigInt.asUintN(64, row.dev), sha256: row.sha256, recordId: row.record_id,
  };
}

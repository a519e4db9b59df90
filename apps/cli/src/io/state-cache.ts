import { STAT } from '@hoard/native';
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

/** Version of the layout below, kept in SQLite's user_version. */
const SCHEMA_VERSION = 2;
/** Fingerprint fields per entry, in this order: size, mtime ns, ctime ns, inode, device. */
const FIELDS = 5;
/** Where those fields are in a native scan's stat record. */
const NATIVE_FIELDS = [STAT.SIZE, STAT.MTIME_NS, STAT.CTIME_NS, STAT.INO, STAT.DEV];
const DIGEST_BYTES = 32;

/**
 * The cached entries of one directory, decoded from one row: parallel arrays indexed by entry. Numbers stay in a
 * BigInt64Array (inode and device with the same bits as unsigned), digests as raw bytes; a hex digest is made
 * only when asked for.
 */
export class CachedDir {
  private index: Map<string, number> | null = null;
  /** `numbers` as 32-bit words, two per field. */
  private words: Int32Array | null = null;

  constructor(
    readonly dir: string,
    readonly names: string[],
    readonly recordIds: string[],
    private readonly numbers: BigInt64Array,
    private readonly digests: Uint8Array,
  ) {}

  get size(): number {
    return this.names.length;
  }

  /** The entry's position, or -1. */
  indexOf(name: string): number {
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < this.names.length; i++) this.index.set(this.names[i], i);
    }
    return this.index.get(name) ?? -1;
  }

  /** True when entry `i` was cached with exactly this fingerprint. */
  matches(i: number, fp: FileFingerprint): boolean {
    const n = this.numbers;
    const o = i * FIELDS;
    return n[o] === fp.size && n[o + 1] === fp.mtimeNs && n[o + 2] === fp.ctimeNs && same64(n[o + 3], fp.ino) && same64(n[o + 4], fp.dev);
  }

  /**
   * True when entry `i` was cached with exactly the fingerprint of the native scan's stat record at `words[o]` (its
   * int64 fields as two words each, in this machine's order). Compares words, so that no BigInt is made per file.
   */
  matchesWords(i: number, words: Int32Array, o: number): boolean {
    const w = (this.words ??= new Int32Array(this.numbers.buffer, this.numbers.byteOffset, this.numbers.length * 2));
    const c = i * FIELDS * 2;
    for (let f = 0; f < FIELDS; f++) {
      const at = o + NATIVE_FIELDS[f] * 2;
      if (w[c + f * 2] !== words[at] || w[c + f * 2 + 1] !== words[at + 1]) return false;
    }
    return true;
  }

  /** True when entry `i` has this inode, device, size and mtime (what survives a rename). */
  sameFile(i: number, fp: FileFingerprint): boolean {
    const n = this.numbers;
    const o = i * FIELDS;
    return n[o] === fp.size && n[o + 1] === fp.mtimeNs && same64(n[o + 3], fp.ino) && same64(n[o + 4], fp.dev);
  }

  /** The raw digest of entry `i` (a view). */
  digest(i: number): Uint8Array {
    return this.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
  }

  sha256(i: number): string {
    return Buffer.from(this.digests.buffer, this.digests.byteOffset + i * DIGEST_BYTES, DIGEST_BYTES).toString('hex');
  }

  recordId(i: number): string | null {
    return this.recordIds[i] === '' ? null : this.recordIds[i];
  }

  /** The path of entry `i`. */
  path(i: number): string {
    return childPath(this.dir, this.names[i]);
  }

  entry(i: number): CachedFile {
    const n = this.numbers;
    const o = i * FIELDS;
    return {
      path: this.path(i), size: n[o], mtimeNs: n[o + 1], ctimeNs: n[o + 2],
      ino: BigInt.asUintN(64, n[o + 3]), dev: BigInt.asUintN(64, n[o + 4]), sha256: this.sha256(i), recordId: this.recordId(i),
    };
  }

  /**
   * One blob: entry count, text length, the names and record ids as one NUL-separated UTF-8 text, padding to
   * 8 bytes, the fingerprints (5 × int64 per entry), then the digests (32 bytes per entry).
   */
  static encode(entries: CachedFile[]): Buffer {
    const count = entries.length;
    const text = Buffer.from(
      entries.map((e) => basename(e.path)).join('\0') + '\0' + entries.map((e) => e.recordId ?? '').join('\0'),
      'utf8',
    );
    const numbersAt = align8(8 + text.length);
    const digestsAt = numbersAt + count * FIELDS * 8;
    const out = Buffer.alloc(digestsAt + count * DIGEST_BYTES);
    out.writeUInt32LE(count, 0);
    out.writeUInt32LE(text.length, 4);
    text.copy(out, 8);
    for (let i = 0; i < count; i++) {
      const e = entries[i];
      const o = numbersAt + i * FIELDS * 8;
      out.writeBigInt64LE(e.size, o);
      out.writeBigInt64LE(e.mtimeNs, o + 8);
      out.writeBigInt64LE(e.ctimeNs, o + 16);
      out.writeBigInt64LE(BigInt.asIntN(64, e.ino), o + 24);
      out.writeBigInt64LE(BigInt.asIntN(64, e.dev), o + 32);
      if (out.write(e.sha256, digestsAt + i * DIGEST_BYTES, DIGEST_BYTES, 'hex') !== DIGEST_BYTES) {
        throw new RangeError(`not a SHA-256 digest: ${e.sha256}`);
      }
    }
    return out;
  }

  static decode(dir: string, blob: Buffer): CachedDir {
    const count = blob.readUInt32LE(0);
    const textLength = blob.readUInt32LE(4);
    const parts = count === 0 ? [] : blob.toString('utf8', 8, 8 + textLength).split('\0');
    const numbersAt = align8(8 + textLength);
    // A view needs 8-byte alignment: copy only when the row's buffer does not give it.
    const at = blob.byteOffset + numbersAt;
    const numbers =
      at % 8 === 0
        ? new BigInt64Array(blob.buffer, at, count * FIELDS)
        : new BigInt64Array(blob.buffer.slice(at, at + count * FIELDS * 8));
    const digests = new Uint8Array(blob.buffer, blob.byteOffset + numbersAt + count * FIELDS * 8, count * DIGEST_BYTES);
    // Stored little-endian; every platform Node runs on here is too.
    return new CachedDir(dir, parts.slice(0, count), parts.slice(count), numbers, digests);
  }

  /** Every entry, by name (for editing). */
  toMap(): Map<string, CachedFile> {
    const out = new Map<string, CachedFile>();
    for (let i = 0; i < this.names.length; i++) out.set(this.names[i], this.entry(i));
    return out;
  }
}

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

  /** The SQLite file. */
  readonly file: string;

  constructor(dir: string, readonly scope: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, 'state.sqlite');
    this.db = new Database(this.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    if (this.db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) this.upgrade();
    this.statements = this.prepare();
  }

  /**
   * A read-only view of a cache file that a StateCache has opened (so its layout is current), for another thread:
   * `dir` as in StateCache.
   */
  static reader(file: string, scope: string): { dir(dir: string): CachedDir | null; close(): void } {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    const get = db.prepare('SELECT entries FROM dirs WHERE scope = ? AND dir = ?').raw();
    return {
      dir: (dir) => {
        const row = get.get(scope, dir) as [Buffer] | undefined;
        return row ? CachedDir.decode(dir, row[0]) : null;
      },
      close: () => db.close(),
    };
  }

  /** Builds the scope of a cache: one server and one hostname. */
  static scopeOf(serverUrl: string, hostname: string): string {
    return `${serverUrl.replace(/\/+$/, '')}\n${hostname}`;
  }

  /** The cached entries of directory `dir` (absolute), or null when none. */
  dir(dir: string): CachedDir | null {
    const row = this.statements.dir.get(this.scope, dir) as [Buffer] | undefined;
    return row ? CachedDir.decode(dir, row[0]) : null;
  }

  /** `dir`, decoded once while the cache is not written (rename lookups often land in the same directory). */
  private decoded(dir: string): CachedDir | null {
    if (this.last?.dir !== dir) this.last = { dir, cached: this.dir(dir) };
    return this.last.cached;
  }

  /** True when `path` has a cached entry (whatever its fingerprint). */
  lookupName(path: string): boolean {
    return (this.dir(dirname(path))?.indexOf(basename(path)) ?? -1) >= 0;
  }

  /** The digest (and record id) of `path` when its fingerprint matches the cached one exactly, else null. */
  lookup(path: string, fp: FileFingerprint): CacheHit | null {
    const cached = this.dir(dirname(path));
    const i = cached?.indexOf(basename(path)) ?? -1;
    if (!cached || i < 0 || !cached.matches(i, fp)) return null;
    return { sha256: cached.sha256(i), recordId: cached.recordId(i) };
  }

  /**
   * A cached file with the same inode, device, size and mtime under another path: the same file renamed
   * (a rename changes ctime, so ctime is not compared). Null when none.
   */
  lookupRenamed(path: string, fp: FileFingerprint): CachedFile | null {
    const rows = this.statements.byInode.all(this.scope, i64(fp.dev), i64(fp.ino)) as Array<[string, string]>;
    for (const [dir, name] of rows) {
      if (childPath(dir, name) === path) continue;
      const cached = this.decoded(dir);
      const i = cached?.indexOf(name) ?? -1;
      if (cached && i >= 0 && cached.sameFile(i, fp)) return cached.entry(i);
    }
    return null;
  }

  /** Saves (or replaces) entries in one transaction. */
  putMany(entries: CachedFile[]): void {
    this.last = null;
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

  /** Creates the tables, or brings a cache of an older layout to this one (its per-file rows are regrouped). */
  private upgrade(): void {
    let migrated = false;
    // Immediate: two CLIs opening an old cache at once take turns, and the second finds the work done.
    this.db.transaction(() => {
      if (this.db.pragma('user_version', { simple: true }) === SCHEMA_VERSION) return;
      this.db.exec(`CREATE TABLE IF NOT EXISTS dirs (
        scope TEXT NOT NULL, dir TEXT NOT NULL, entries BLOB NOT NULL, PRIMARY KEY (scope, dir)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS inodes (
        scope TEXT NOT NULL, dev INTEGER NOT NULL, ino INTEGER NOT NULL, dir TEXT NOT NULL, name TEXT NOT NULL,
        PRIMARY KEY (scope, dev, ino, dir, name)) WITHOUT ROWID;`);
      const old = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'files'").get();
      if (old) {
        const columns = this.db.prepare('PRAGMA table_info(files)').all() as Array<{ name: string }>;
        const recordId = columns.some((c) => c.name === 'record_id') ? 'record_id' : 'NULL';
        const rows = this.db
          .prepare(`SELECT scope, path, size, mtime_ns, ctime_ns, ino, dev, sha256, ${recordId} AS record_id FROM files ORDER BY scope, path`)
          .safeIntegers(true)
          .all() as Array<{ scope: string; path: string; size: bigint; mtime_ns: bigint; ctime_ns: bigint; ino: bigint; dev: bigint; sha256: string; record_id: string | null }>;
        const byScope = new Map<string, CachedFile[]>();
        for (const r of rows) {
          if (!/^[0-9a-f]{64}$/.test(r.sha256)) continue;
          const list = byScope.get(r.scope) ?? [];
          list.push({ path: r.path, size: r.size, mtimeNs: r.mtime_ns, ctimeNs: r.ctime_ns, ino: r.ino, dev: r.dev, sha256: r.sha256, recordId: r.record_id });
          byScope.set(r.scope, list);
        }
        for (const [scope, entries] of byScope) {
          for (const [dir, changes] of groupByDir(entries.map((e) => [e.path, e]))) {
            writeDir(this.db, scope, dir, [...changes.values()] as CachedFile[]);
          }
        }
        this.db.exec('DROP TABLE files');
        migrated = true;
      }
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
    // Gives back the pages of the per-file table (once; another CLI using the cache just makes this wait or fail).
    if (migrated) {
      try {
        this.db.exec('VACUUM');
      } catch {
        // Only space is lost.
      }
    }
  }

  private prepare() {
    const dir = this.db.prepare('SELECT entries FROM dirs WHERE scope = ? AND dir = ?').raw();
    return {
      dir,
      byInode: this.db.prepare('SELECT dir, name FROM inodes WHERE scope = ? AND dev = ? AND ino = ?').raw(),
      under: this.db.prepare('SELECT dir FROM dirs WHERE scope = ? AND (dir = ? OR (dir >= ? AND dir < ?)) ORDER BY dir').raw(),
      edit: this.db.transaction((byDir: Map<string, Map<string, CachedFile | null>>) => {
        for (const [path, changes] of byDir) {
          const row = dir.get(this.scope, path) as [Buffer] | undefined;
          const current = row ? CachedDir.decode(path, row[0]).toMap() : new Map<string, CachedFile>();
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

/** Writes a directory's entries (all of them) and keeps the inode index in step with `before`. */
function writeDir(db: Database.Database, scope: string, dir: string, entries: CachedFile[], before: CachedFile[] = []): void {
  if (entries.length === 0) db.prepare('DELETE FROM dirs WHERE scope = ? AND dir = ?').run(scope, dir);
  else db.prepare('INSERT OR REPLACE INTO dirs (scope, dir, entries) VALUES (?, ?, ?)').run(scope, dir, CachedDir.encode(entries));
  const key = (e: CachedFile) => `${i64(e.dev)}:${i64(e.ino)}:${e.path}`;
  const now = new Map(entries.map((e) => [key(e), e]));
  const was = new Map(before.map((e) => [key(e), e]));
  const remove = db.prepare('DELETE FROM inodes WHERE scope = ? AND dev = ? AND ino = ? AND dir = ? AND name = ?');
  const add = db.prepare('INSERT OR IGNORE INTO inodes (scope, dev, ino, dir, name) VALUES (?, ?, ?, ?, ?)');
  for (const [k, e] of was) if (!now.has(k)) remove.run(scope, i64(e.dev), i64(e.ino), dir, basename(e.path));
  for (const [k, e] of now) if (!was.has(k)) add.run(scope, i64(e.dev), i64(e.ino), dir, basename(e.path));
}

/** Changes grouped by directory, then by name (a later change of the same path wins). */
function groupByDir(changes: Array<[string, CachedFile | null]>): Map<string, Map<string, CachedFile | null>> {
  const out = new Map<string, Map<string, CachedFile | null>>();
  for (const [path, entry] of changes) {
    const dir = dirname(path);
    let names = out.get(dir);
    if (!names) out.set(dir, (names = new Map()));
    names.set(basename(path), entry);
  }
  return out;
}

/** The child `name` of directory `dir` (both as the walk builds them: absolute, no trailing slash but `/`). */
export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function dirname(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** True when a stored signed 64-bit number has the bits of the unsigned `value` (no conversion in the common case). */
function same64(stored: bigint, value: bigint): boolean {
  return stored === value || stored === BigInt.asIntN(64, value);
}

/** Inode and device numbers are unsigned 64-bit; SQLite integers are signed: store the same bits. */
function i64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

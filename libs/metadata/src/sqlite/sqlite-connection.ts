import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Sha256 } from '@app/contracts';
import type { BlobEntry, FileToRecord, RecordedFile, RecordNamespace } from '../metadata-types';
import { recordSqliteFile } from './sqlite-file-recorder';
import { SqliteFileListing } from './sqlite-file-listing';
import { SqliteJobs } from './sqlite-jobs';
import { SqlitePruning } from './sqlite-pruning';
import { SqliteScanRuns } from './sqlite-scan-runs';
import { migrateSqlite } from './sqlite-migrations';
import { toBlobEntry } from './sqlite-rows';
import { prepareSqliteStatements, type SqliteStatements } from './sqlite-statements';
import { WalCheckpointer } from './sqlite-wal-checkpointer';

/** The database and its journal files: the server's user only. */
const FILE_MODE = 0o600;
/** A directory the store creates for its database. */
const DIR_MODE = 0o700;
/**
 * The page size of a new database. Every commit writes each page it changed to the WAL (two write calls per page),
 * and a batch of records or content changes about one page per digest in each index keyed by digest (those keys are
 * random): the cost goes with the number of pages more than with their size, and a larger page takes more of a
 * batch's digests. On a first scan of 100,000 small files the server made 680,000 write calls rather than 1,020,000,
 * and the scan took 28 s against 30 s (medians of five runs; 16 KiB pages: 26 s, writing twice the bytes).
 */
const PAGE_SIZE = 8192;
/** The WAL is checkpointed on the connection's own thread once it holds this much (see WalCheckpointer). */
const WAL_FALLBACK_CHECKPOINT_BYTES = 256 * 1024 * 1024;
/** The size the WAL file is cut back to when it restarts. */
const WAL_KEPT_BYTES = 64 * 1024 * 1024;

/** One blob for {@link OpenSqlite.register}. */
export interface BlobToRegister {
  sha256: Sha256;
  size: number;
  nowMs: number;
}

/** An open database with its prepared statements and the transactions the store runs. */
export interface OpenSqlite {
  db: Database.Database;
  sql: SqliteStatements;
  listing: SqliteFileListing;
  jobs: SqliteJobs;
  pruning: SqlitePruning;
  scanRuns: SqliteScanRuns;
  record: (files: FileToRecord[], nowMs: number) => RecordedFile[];
  deletePaths: (namespace: RecordNamespace, hostname: string, filepaths: string[], nowMs: number) => number;
  /** Registers content and sets the size of every record of it, for many blobs in one transaction; one entry per blob. */
  register: (blobs: BlobToRegister[]) => BlobEntry[];
}

/**
 * Opens (creating) the database at `path` (or `:memory:`, for unit tests of the services), readable by the server's user only whatever the umask: the file is made
 * 0600 before SQLite opens it, and SQLite gives its WAL and shared-memory files the database's mode; files an older
 * version left more open are narrowed. Then WAL, the busy timeout and the migrations.
 */
export function openSqlite(path: string, busyTimeoutMs: number): OpenSqlite {
  if (path !== ':memory:') prepareFiles(path);
  const db = new Database(path);
  // Set before WAL: it takes effect on a new database only (an older one keeps its page size).
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('foreign_keys = ON');
  // A batch touches random pages of the digest index: a larger cache keeps it fast.
  db.pragma('cache_size = -65536');
  // The checkpointer thread (see WalCheckpointer) checkpoints; this is the bound should it fall behind.
  db.pragma(`wal_autocheckpoint = ${Math.ceil(WAL_FALLBACK_CHECKPOINT_BYTES / (db.pragma('page_size', { simple: true }) as number))}`);
  // A burst may grow the WAL past this; once checkpointed, it is cut back to it rather than kept at its largest.
  db.pragma(`journal_size_limit = ${WAL_KEPT_BYTES}`);
  migrateSqlite(db);
  const sql = prepareSqliteStatements(db);
  const record = db.transaction((files: FileToRecord[], nowMs: number) => files.map((f) => recordSqliteFile(sql, f, nowMs)));
  const deletePaths = db.transaction((namespace: RecordNamespace, hostname: string, filepaths: string[], nowMs: number) =>
    filepaths.reduce((n, filepath) => n + sql.deletePath.run(nowMs, namespace, hostname, filepath).changes, 0),
  );
  const register = db.transaction((blobs: BlobToRegister[]) =>
    blobs.map(({ sha256, size, nowMs }) => {
      const row = sql.registerBlob.get(sha256, size, nowMs)!;
      sql.fixSizes.run({ sha256, size });
      return toBlobEntry(row);
    }),
  );
  return {
    db,
    sql,
    listing: new SqliteFileListing(db),
    jobs: new SqliteJobs(db),
    pruning: new SqlitePruning(db),
    scanRuns: new SqliteScanRuns(db),
    record: (files, nowMs) => record.immediate(files, nowMs),
    deletePaths: (namespace, hostname, filepaths, nowMs) => deletePaths.immediate(namespace, hostname, filepaths, nowMs),
    register: (blobs) => register.immediate(blobs),
  };
}

/** The connections in use in this process, by database path, with how many users each has and its checkpointer. */
const shared = new Map<string, { open: OpenSqlite; users: number; checkpointer: WalCheckpointer }>();

/**
 * The process's connection to the database at `path`, opened by {@link openSqlite} for its first user and shared by
 * the next (the metadata store and the pack index): a commit on one connection empties every other connection's page
 * cache, and with a connection each a first scan of 100,000 small files paid 15-30% more per statement. Calls are
 * synchronous, so users never interleave inside a transaction. Its WAL is checkpointed by a thread of its own (see
 * WalCheckpointer). `:memory:` is a new database each time. Give it back with {@link releaseSqlite}.
 */
export function acquireSqlite(path: string, busyTimeoutMs: number): OpenSqlite {
  if (path === ':memory:') return openSqlite(path, busyTimeoutMs);
  const key = resolve(path);
  const held = shared.get(key);
  if (held && held.open.db.open) {
    held.users++;
    return held.open;
  }
  const open = openSqlite(path, busyTimeoutMs);
  let said = '';
  const checkpointer = new WalCheckpointer({
    path: key,
    busyTimeoutMs,
    // Said once per kind of failure (the disk full, say), not every second while it lasts.
    onError: (message) => {
      if (message !== said) process.emitWarning(`checkpoints of ${key} fail: ${message}`, 'HoardSqliteWarning');
      said = message;
    },
    onRound: () => (said = ''),
  });
  shared.set(key, { open, users: 1, checkpointer });
  return open;
}

/**
 * Gives back a connection of {@link acquireSqlite}: once its last user gave it back, its checkpointer stops and it is
 * closed (the close checkpoints what is left and removes the WAL).
 */
export async function releaseSqlite(open: OpenSqlite): Promise<void> {
  for (const [key, held] of shared) {
    if (held.open !== open) continue;
    if (--held.users > 0) return;
    shared.delete(key);
    await held.checkpointer.stop();
    break;
  }
  if (open.db.open) open.db.close();
}

/** Creates the database's directory (0700) and an empty database file (0600); narrows the modes of older files. */
function prepareFiles(path: string): void {
  const dir = dirname(path);
  if (mkdirSync(dir, { recursive: true, mode: DIR_MODE }) !== undefined) chmodSync(dir, DIR_MODE);
  if (!existsSync(path)) closeSync(openSync(path, 'a', FILE_MODE));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file) && (statSync(file).mode & 0o777) !== FILE_MODE) chmodSync(file, FILE_MODE);
  }
}

import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The lock file in the data directory (an empty SQLite database, 0600). */
export const LOCK_FILE = 'server.lock';

/** A second server found the data directory held. */
export class DataDirInUseError extends Error {
  constructor(readonly dir: string) {
    super(`another server is running on the data directory ${dir} (it holds ${join(dir, LOCK_FILE)}); stop it first`);
    this.name = 'DataDirInUseError';
  }
}

/**
 * Holds the data directory for this process while it lives. With SQLite metadata one process owns the data: upload
 * claims are kept in its memory, and at start it cuts every pack back to its committed end. A second server on the
 * same directory would truncate the first one's packs under it and ignore its claims, so it is refused.
 *
 * The lock is SQLite's own: an exclusive transaction, never ended, on a database of its own (`server.lock`), which
 * takes a POSIX lock on that file. The kernel drops it when the process ends, however it ends (kill -9 included), so
 * no stale lock is ever left to clear. `hoard-keys` (keys-cli) does not take it: it may mint keys beside a running
 * server.
 * @throws DataDirInUseError when another process holds the directory
 */
export function lockDataDir(dir: string): { release(): void } {
  const path = join(dir, LOCK_FILE);
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma('journal_mode = MEMORY'); // nothing is ever written: no journal file beside it
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirInUseError(dir);
    throw error;
  }
  return { release: () => db.close() };
}

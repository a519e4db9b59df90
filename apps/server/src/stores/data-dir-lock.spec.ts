import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from './data-dir-lock';

describe('lockDataDir', () => {
  let dir: string;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hoard-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Whether another process can take the lock of `dir` now. */
  const otherProcessLocks = () => {
    const script = `const Database = require('better-sqlite3'); const db = new Database(process.argv[1], { timeout: 0 });
      db.pragma('locking_mode = EXCLUSIVE'); try { db.exec('BEGIN EXCLUSIVE'); process.stdout.write('locked'); } catch (e) { process.stdout.write(e.code); }`;
    return spawnSync(process.execPath, ['-e', script, join(dir, LOCK_FILE)], { encoding: 'utf8', cwd: process.cwd() }).stdout;
  };

  it('holds the directory against another process until released, in a file only its user reads', () => {
    const lock = lockDataDir(dir);
    expect(statSync(join(dir, LOCK_FILE)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    expect(otherProcessLocks()).toBe('SQLITE_BUSY');
    lock.release();
    expect(otherProcessLocks()).toBe('locked');
  });

  it('refuses a second holder in the same process, naming the directory', () => {
    const lock = lockDataDir(dir);
    try {
      expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
      expect(() => lockDataDir(dir)).toThrow(`another server is running on the data directory ${dir}`);
    } finally {
      lock.release();
    }
    lockDataDir(dir).release();
  });
});

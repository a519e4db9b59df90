import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WalCheckpointer } from './sqlite-wal-checkpointer';

describe('WalCheckpointer', () => {
  let dir: string;
  let path: string;
  let db: Database.Database;
  const HOUR = 3600_000; // no round of the timers during a test: the thread's first round runs as it starts

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hoard-wal-checkpointer-'));
    path = join(dir, 'hoard.db');
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (x BLOB)');
    const insert = db.prepare('INSERT INTO t (x) VALUES (randomblob(8192))');
    db.transaction(() => {
      for (let i = 0; i < 200; i++) insert.run();
    })();
  });

  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts no thread while the WAL is under its threshold', async () => {
    const checkpointer = new WalCheckpointer({ path, busyTimeoutMs: 1000, startAtBytes: 64 * 1024 * 1024, intervalMs: HOUR });
    await checkpointer.look();
    expect(checkpointer.running).toBe(false);
    await checkpointer.stop();
    expect(statSync(path).size).toBeLessThan(64 * 1024);
  });

  it('past it, copies every committed page of the WAL into the database from its thread, and stops', async () => {
    let round!: (frames: { log: number; checkpointed: number }) => void;
    const rounded = new Promise<{ log: number; checkpointed: number }>((resolve) => (round = resolve));
    const checkpointer = new WalCheckpointer({ path, busyTimeoutMs: 1000, startAtBytes: 1, intervalMs: HOUR, onRound: round });
    await checkpointer.look();
    expect(checkpointer.running).toBe(true);
    const frames = await rounded;
    expect(frames.log).toBeGreaterThan(200);
    expect(frames.checkpointed).toBe(frames.log);
    // The rows are in the database file itself now, and the writer goes on meanwhile.
    expect(statSync(path).size).toBeGreaterThan(200 * 8192);
    db.prepare('INSERT INTO t (x) VALUES (zeroblob(1))').run();
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 201 });
    await checkpointer.stop();
    expect(checkpointer.running).toBe(false);
  });

  it('reports a thread that cannot work, and starts another only after a while', async () => {
    db.close();
    rmSync(path);
    const errors: string[] = [];
    let ended!: () => void;
    let clock = 1_000_000;
    const gone = new Promise<void>((resolve) => (ended = resolve));
    const checkpointer = new WalCheckpointer({
      path,
      busyTimeoutMs: 1000,
      startAtBytes: 0,
      intervalMs: HOUR,
      restartAfterMs: 60_000,
      now: () => clock,
      onError: (message) => errors.push(message),
      onEnded: ended,
    });
    await checkpointer.look();
    expect(checkpointer.running).toBe(true);
    await gone;
    expect(errors).toEqual([expect.stringMatching(/unable to open database file/)]);
    clock += 59_999;
    await checkpointer.look();
    expect(checkpointer.running).toBe(false);
    clock += 1;
    await checkpointer.look();
    expect(checkpointer.running).toBe(true);
    await checkpointer.stop();
  });
});

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireSqlite, releaseSqlite } from './sqlite-connection';

describe('acquireSqlite', () => {
  let dir: string;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hoard-sqlite-connection-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the users of one file one connection, closed once the last gives it back, and a new one after', async () => {
    const first = acquireSqlite(join(dir, 'hoard.db'), 1000);
    const second = acquireSqlite(join(dir, '.', 'hoard.db'), 1000);
    expect(second).toBe(first);
    expect([first.db.pragma('page_size', { simple: true }), first.db.pragma('journal_size_limit', { simple: true })]).toEqual([
      8192,
      64 * 1024 * 1024,
    ]);
    await releaseSqlite(first);
    expect(first.db.open).toBe(true);
    await releaseSqlite(second);
    expect(first.db.open).toBe(false);
    const third = acquireSqlite(join(dir, 'hoard.db'), 1000);
    expect([third === first, third.db.open]).toEqual([false, true]);
    await releaseSqlite(third);
    // The last close checkpointed the WAL into the database and removed it.
    expect(existsSync(join(dir, 'hoard.db-wal'))).toBe(false);
  });

  it('gives each user of :memory: a database of its own', async () => {
    const one = acquireSqlite(':memory:', 1000);
    const two = acquireSqlite(':memory:', 1000);
    expect(two).not.toBe(one);
    await releaseSqlite(one);
    expect([one.db.open, two.db.open]).toEqual([false, true]);
    await releaseSqlite(two);
  });
});

import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CachedFile } from './cache-entry';
import * as codec from './dir-codec';
import { StateCache } from './state-cache';

const fp = { size: 10n, mtimeNs: 1_700_000_000_123_456_789n, ctimeNs: 1_700_000_000_999_999_999n, ino: 42n, dev: 2049n };
const entry = (path: string, extra: Partial<CachedFile> = {}): CachedFile => ({
  path,
  sha256: 'a'.repeat(64),
  recordId: '7',
  ...fp,
  ...extra,
});

describe('StateCache', () => {
  let dir: string;
  let sut: StateCache;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hoard-cache-'));
    sut = new StateCache(dir, StateCache.scopeOf('http://s:1/', 'h1'));
  });
  afterEach(() => sut.close());

  it('answers the digest only when every part of the fingerprint matches, to the nanosecond', () => {
    sut.putMany([entry('/r/a')]);
    expect(sut.lookup('/r/a', fp)).toEqual({ sha256: 'a'.repeat(64), recordId: '7' });
    expect(sut.lookup('/r/a', { ...fp, mtimeNs: fp.mtimeNs + 1n })).toBeNull();
    expect(sut.lookup('/r/a', { ...fp, ctimeNs: fp.ctimeNs - 1n })).toBeNull();
    expect(sut.lookup('/r/a', { ...fp, size: 11n })).toBeNull();
    expect(sut.lookup('/r/a', { ...fp, ino: 43n })).toBeNull();
    expect(sut.lookup('/r/b', fp)).toBeNull();
  });

  it('keeps servers and hostnames apart and persists across opens', () => {
    sut.putMany([entry('/r/a')]);
    const other = new StateCache(dir, StateCache.scopeOf('http://s:1', 'h2'));
    expect(other.lookup('/r/a', fp)).toBeNull();
    other.close();
    sut.close();
    sut = new StateCache(dir, StateCache.scopeOf('http://s:1', 'h1'));
    expect(sut.lookup('/r/a', fp)).toEqual({ sha256: 'a'.repeat(64), recordId: '7' });
  });

  it('recognises a renamed file by inode, device, size and mtime even though its ctime moved', () => {
    sut.putMany([entry('/r/old')]);
    const found = sut.lookupRenamed('/r/new', { ...fp, ctimeNs: fp.ctimeNs + 5n });
    expect(found?.path).toBe('/r/old');
    expect(sut.lookupRenamed('/r/new', { ...fp, mtimeNs: fp.mtimeNs + 1n })).toBeNull();
    expect(sut.lookupRenamed('/r/old', fp)).toBeNull();
  });

  it('finds a renamed file through the inode index, reading only the directory that holds it', () => {
    // 300 directories of 5 files: a search through the cache would decode every one of them for each lookup.
    sut.putMany(Array.from({ length: 1500 }, (_, i) => entry(`/r/d${Math.floor(i / 5)}/${i}`, { ino: BigInt(1000 + i) })));
    const decode = jest.spyOn(codec, 'decodeDir');
    try {
      for (let i = 0; i < 300; i++)
        expect(sut.lookupRenamed('/r/other', { ...fp, ino: BigInt(1000 + i * 5) })?.path).toBe(`/r/d${i}/${i * 5}`);
      expect(decode.mock.calls.map(([dir]) => dir)).toEqual(Array.from({ length: 300 }, (_, i) => `/r/d${i}`));
    } finally {
      decode.mockRestore();
    }
  });

  it("reads a directory's row once for lookups of its files, and again once the cache is written", () => {
    // A scan looks up a directory's files one after the other while it records them: a read of the row for each
    // file would make a first scan of a large directory quadratic.
    sut.putMany(Array.from({ length: 500 }, (_, i) => entry(`/r/big/${i}`)));
    const decode = jest.spyOn(codec, 'decodeDir');
    try {
      for (let i = 0; i < 1000; i++)
        expect(sut.lookup(`/r/big/${i}`, fp)).toEqual(i < 500 ? { sha256: 'a'.repeat(64), recordId: '7' } : null);
      expect(decode).toHaveBeenCalledTimes(1);
      sut.putMany([entry('/r/big/700', { sha256: 'b'.repeat(64) })]);
      expect(sut.lookup('/r/big/700', fp)?.sha256).toBe('b'.repeat(64));
      expect(sut.lookupName('/r/big/700')).toBe(true);
      sut.removeMany(['/r/big/700']);
      expect(sut.lookupName('/r/big/700')).toBe(false);
      // Each write reads the row it changes, and the next lookup reads it anew.
      expect(decode.mock.calls.map(([dir]) => dir)).toEqual(Array(5).fill('/r/big'));
    } finally {
      decode.mockRestore();
    }
  });

  it('finds a file renamed since the cache was last open, and asks nothing of inodes a cache opened empty never saved', () => {
    sut.putMany([entry('/r/old', { ino: 77n })]);
    sut.close();
    sut = new StateCache(dir, StateCache.scopeOf('http://s:1', 'h1'));
    expect(sut.lookupRenamed('/r/new', { ...fp, ino: 77n })?.path).toBe('/r/old');
    const empty = new StateCache(dir, StateCache.scopeOf('http://s:1', 'elsewhere'));
    const byInode = jest.spyOn((empty as unknown as { statements: { byInode: Database.Statement } }).statements.byInode, 'all');
    try {
      // A first scan's new files: no lookup reaches the database until one of their inodes was saved.
      expect(empty.lookupRenamed('/x/new', { ...fp, ino: 77n })).toBeNull();
      expect(byInode).not.toHaveBeenCalled();
      empty.putMany([entry('/x/a', { ino: 78n })]);
      expect(empty.lookupRenamed('/x/b', { ...fp, ino: 78n })?.path).toBe('/x/a');
      expect(byInode).toHaveBeenCalledTimes(1);
    } finally {
      empty.close();
    }
  });

  it('stores inode numbers above 2^63 without loss', () => {
    const big = { ...fp, ino: 2n ** 64n - 5n };
    sut.putMany([entry('/r/big', { ino: big.ino })]);
    expect(sut.lookup('/r/big', big)?.sha256).toBe('a'.repeat(64));
    expect(sut.lookupRenamed('/r/moved', big)?.ino).toBe(big.ino);
  });

  it('lists exactly the directories at or under a root, not siblings sharing its prefix', () => {
    sut.putMany(['/r', '/r/a', '/r/d/b', '/r0/x', '/r-x/y', '/rr', '/q'].map((p) => entry(p)));
    expect(sut.dirsUnder('/r')).toEqual(['/r', '/r/d']);
    sut.removeMany(['/r/a']);
    expect(sut.dirsUnder('/r/')).toEqual(['/r/d']);
    expect(sut.dirsUnder('/')).toEqual(['/', '/r-x', '/r/d', '/r0']);
  });

  it('keeps one row per directory, decoded with names, record ids and exact fingerprints', () => {
    sut.putMany([entry('/r/d/a'), entry('/r/d/b', { recordId: null, ino: 2n ** 64n - 1n }), entry('/r/e/c')]);
    const d = sut.dir('/r/d')!;
    expect(d.names).toEqual(['a', 'b']);
    expect([d.recordId(0), d.recordId(1), d.sha256(1)]).toEqual(['7', null, 'a'.repeat(64)]);
    expect(d.entry(1)).toEqual(entry('/r/d/b', { recordId: null, ino: 2n ** 64n - 1n }));
    const { fingerprints } = d;
    expect([
      fingerprints.matches(0, fp),
      fingerprints.matches(0, { ...fp, ctimeNs: 1n }),
      fingerprints.sameFile(0, { ...fp, ctimeNs: 1n }),
    ]).toEqual([true, false, true]);
    expect(sut.dirsUnder('/r')).toEqual(['/r/d', '/r/e']);
    sut.removeMany(['/r/e/c']);
    expect([sut.dir('/r/e'), sut.dirsUnder('/r')]).toEqual([null, ['/r/d']]);
    // A rename target found through the index is gone with its entry.
    sut.removeMany(['/r/d/a']);
    expect(sut.lookupRenamed('/r/x', fp)).toBeNull();
  });

  it('moves the entries of an older per-file cache into the per-directory layout, record ids or not', () => {
    sut.close();
    for (const withIds of [true, false]) {
      const old = mkdtempSync(join(tmpdir(), 'hoard-cache-old-'));
      const db = new Database(join(old, 'state.sqlite'));
      db.exec(`CREATE TABLE files (scope TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL, ino INTEGER NOT NULL, dev INTEGER NOT NULL, sha256 TEXT NOT NULL,
        PRIMARY KEY (scope, path)) WITHOUT ROWID; CREATE INDEX files_by_inode ON files (dev, ino);`);
      if (withIds) db.exec('ALTER TABLE files ADD COLUMN record_id TEXT');
      const put = db.prepare(`INSERT INTO files (scope, path, size, mtime_ns, ctime_ns, ino, dev, sha256${withIds ? ', record_id' : ''})
        VALUES (?, ?, ?, ?, ?, ?, ?, ?${withIds ? ', ?' : ''})`);
      const scope = StateCache.scopeOf('http://s:1', 'h1');
      for (const [path, ino] of [
        ['/r/a', 42n],
        ['/r/d/b', 43n],
        ['/q', BigInt.asIntN(64, 2n ** 64n - 5n)],
      ] as const) {
        const values = [scope, path, fp.size, fp.mtimeNs, fp.ctimeNs, ino, fp.dev, 'b'.repeat(64)];
        put.run(...(withIds ? [...values, `id${ino}`] : values));
      }
      put.run(...[StateCache.scopeOf('http://s:1', 'h2'), '/r/a', 1, 1, 1, 1, 1, 'c'.repeat(64), ...(withIds ? ['x'] : [])]);
      db.close();

      sut = new StateCache(old, scope);
      expect(sut.lookup('/r/a', fp)).toEqual({ sha256: 'b'.repeat(64), recordId: withIds ? 'id42' : null });
      expect(sut.lookup('/r/d/b', { ...fp, ino: 43n })?.sha256).toBe('b'.repeat(64));
      expect(sut.lookup('/q', { ...fp, ino: 2n ** 64n - 5n })?.sha256).toBe('b'.repeat(64));
      expect(sut.lookupRenamed('/r/new', { ...fp, ino: 43n })?.path).toBe('/r/d/b');
      expect(sut.dirsUnder('/').map((d) => [d, sut.dir(d)!.names])).toEqual([
        ['/', ['q']],
        ['/r', ['a']],
        ['/r/d', ['b']],
      ]);
      sut.close();
      const other = new StateCache(old, StateCache.scopeOf('http://s:1', 'h2'));
      expect(other.lookup('/r/a', { size: 1n, mtimeNs: 1n, ctimeNs: 1n, ino: 1n, dev: 1n })?.sha256).toBe('c'.repeat(64));
      other.close();
      const check = new Database(join(old, 'state.sqlite'), { readonly: true });
      expect(check.prepare("SELECT name FROM sqlite_master WHERE name = 'files'").get()).toBeUndefined();
      check.close();
      sut = new StateCache(old, scope);
    }
  });

  it("remembers a server's unfinished uploads by digest and size, across opens and hostnames, until forgotten", () => {
    const sha = 'd'.repeat(64);
    sut.uploads.remember(sha, 100, 'http://s:1/api/v1/uploads/u1');
    expect(sut.uploads.get(sha, 100)).toBe('http://s:1/api/v1/uploads/u1');
    expect(sut.uploads.get(sha, 101)).toBeNull();
    sut.uploads.remember(sha, 100, 'http://s:1/api/v1/uploads/u2');
    sut.close();
    sut = new StateCache(dir, StateCache.scopeOf('http://s:1', 'another-host'));
    expect(sut.uploads.get(sha, 100)).toBe('http://s:1/api/v1/uploads/u2');
    const elsewhere = new StateCache(dir, StateCache.scopeOf('http://other:1', 'h1'));
    expect(elsewhere.uploads.get(sha, 100)).toBeNull();
    elsewhere.close();
    sut.uploads.forget(sha);
    expect(sut.uploads.get(sha, 100)).toBeNull();
  });

  it('adds the table of unfinished uploads to a cache of the previous layout, keeping its entries', () => {
    sut.putMany([entry('/r/a')]);
    sut.close();
    const db = new Database(join(dir, 'state.sqlite'));
    db.exec('DROP TABLE uploads');
    db.pragma('user_version = 2');
    db.close();
    sut = new StateCache(dir, StateCache.scopeOf('http://s:1/', 'h1'));
    expect(sut.lookup('/r/a', fp)?.sha256).toBe('a'.repeat(64));
    sut.uploads.remember('e'.repeat(64), 5, 'http://s:1/api/v1/uploads/u3');
    expect(sut.uploads.get('e'.repeat(64), 5)).toBe('http://s:1/api/v1/uploads/u3');
  });
});

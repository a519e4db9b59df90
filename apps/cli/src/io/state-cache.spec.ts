import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CachedFile, StateCache } from './state-cache';

const fp = { size: 10n, mtimeNs: 1_700_000_000_123_456_789n, ctimeNs: 1_700_000_000_999_999_999n, ino: 42n, dev: 2049n };
const entry = (path: string, extra: Partial<CachedFile> = {}): CachedFile => ({
  path, sha256: 'a'.repeat(64), recordId: '7', ...fp, ...extra,
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

  it('finds renamed files through an index, not by walking the cache', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => entry(`/r/many/${i}`, { ino: BigInt(1000 + i) }));
    sut.putMany(many);
    const started = Date.now();
    for (let i = 0; i < 2000; i++) expect(sut.lookupRenamed('/r/other', { ...fp, ino: BigInt(1000 + i * 10) })?.path).toBe(`/r/many/${i * 10}`);
    // A scan of 20,000 rows per lookup takes seconds here; the index answers 2,000 lookups in a few ms.
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stores inode numbers above 2^63 without loss', () => {
    const big = { ...fp, ino: 2n ** 64n - 5n };
    sut.putMany([entry('/r/big', { ino: big.ino })]);
    expect(sut.lookup('/r/big', big)?.sha256).toBe('a'.repeat(64));
    expect(sut.lookupRenamed('/r/moved', big)?.ino).toBe(big.ino);
  });

  it('lists exactly the paths at or under a root, not siblings sharing its prefix', () => {
    sut.putMany(['/r', '/r/a', '/r/d/b', '/r0/x', '/r-x/y', '/rr', '/q'].map((p) => entry(p)));
    expect([...sut.pathsUnder('/r')]).toEqual(['/r', '/r/a', '/r/d/b']);
    sut.removeMany(['/r/a']);
    expect([...sut.pathsUnder('/r/')]).toEqual(['/r/d/b']);
  });
});

import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, interruptedStream, randomBlob, streamOf } from '../testing/blob-bodies';
import { describeBlobStoreContract } from '../testing/blob-store.contract';
import { LocalFsBlobStore } from './local-fs-blob-store';

function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'hoard-blobs-'));
}

describeBlobStoreContract('local-fs', async () => {
  const root = tempRoot();
  const sut = new LocalFsBlobStore({ root });
  await sut.init();
  return { sut, cleanup: async () => rmSync(root, { recursive: true, force: true }) };
});

describe('LocalFsBlobStore', () => {
  let root: string;
  let sut: LocalFsBlobStore;

  beforeEach(async () => {
    root = tempRoot();
    sut = new LocalFsBlobStore({ root: join(root, 'blobs') });
    await sut.init();
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const tmpEntries = () => readdirSync(join(root, 'blobs', '.tmp'));

  it('lays blobs out as <root>/<sha[0:2]>/<sha>, read-only and not executable', async () => {
    const { bytes, sha } = randomBlob(1234);
    await sut.put(sha, streamOf(bytes));
    const info = statSync(join(root, 'blobs', sha.slice(0, 2), sha));
    expect(info.size).toBe(1234);
    expect(info.mode & 0o777).toBe(0o444);
    expect(tmpEntries()).toEqual([]);
  });

  it('removes temporary leftovers of a crash on init', async () => {
    writeFileSync(join(root, 'blobs', '.tmp', `${'a'.repeat(64)}.0123456789abcdef`), 'half an upload');
    mkdirSync(join(root, 'blobs', '.tmp', 'odd-dir'));
    const restarted = new LocalFsBlobStore({ root: join(root, 'blobs') });
    await restarted.init();
    expect(tmpEntries()).toEqual([]);
  });

  it('leaves nothing in .tmp after a mismatch, an oversize body or an interrupted body', async () => {
    const { bytes, sha } = randomBlob(300_000);
    const other = randomBlob(300_000);
    await expect(sut.put(sha, streamOf(other.bytes))).rejects.toMatchObject({ code: 'digest_mismatch' });
    await expect(sut.put(sha, streamOf(bytes), { maxBytes: 1000 })).rejects.toMatchObject({
      code: 'payload_too_large',
    });
    await expect(sut.put(sha, interruptedStream(bytes, 150_000, new Error('reset')))).rejects.toMatchObject({
      code: 'invalid_request',
    });
    expect(tmpEntries()).toEqual([]);
    expect(readdirSync(join(root, 'blobs')).sort()).toEqual(['.tmp']);
  });

  it('never rewrites a stored blob: a repeat upload leaves the same file untouched', async () => {
    const { bytes, sha } = randomBlob(10_000);
    await sut.put(sha, streamOf(bytes));
    const path = join(root, 'blobs', sha.slice(0, 2), sha);
    const before = statSync(path);
    await sut.put(sha, streamOf(bytes));
    await expect(sut.put(sha, streamOf(randomBlob(10_000).bytes))).rejects.toMatchObject({ code: 'digest_mismatch' });
    const after = statSync(path);
    expect([after.ino, after.mtimeMs, after.nlink]).toEqual([before.ino, before.mtimeMs, 1]);
  });

  it('lists only digest-named files, skipping .tmp and foreign names', async () => {
    const { bytes, sha } = randomBlob(10);
    await sut.put(sha, streamOf(bytes));
    writeFileSync(join(root, 'blobs', sha.slice(0, 2), 'notes.txt'), 'x');
    writeFileSync(join(root, 'blobs', '.tmp', 'f'.repeat(64)), 'x');
    mkdirSync(join(root, 'blobs', 'zz'));
    expect(await collect(sut.list())).toEqual([{ sha256: sha, size: 10 }]);
  });

  it('answers unavailable, not a client error, when it cannot write its temporary file', async () => {
    rmSync(join(root, 'blobs', '.tmp'), { recursive: true });
    writeFileSync(join(root, 'blobs', '.tmp'), 'not a directory');
    const { bytes, sha } = randomBlob(1000);
    await expect(sut.put(sha, streamOf(bytes))).rejects.toMatchObject({ code: 'unavailable' });
    await expect(sut.stat(sha)).resolves.toBeNull();
  });

  it('fails ping with unavailable when the root is gone', async () => {
    rmSync(join(root, 'blobs'), { recursive: true });
    await expect(sut.ping()).rejects.toMatchObject({ code: 'unavailable' });
  });
});

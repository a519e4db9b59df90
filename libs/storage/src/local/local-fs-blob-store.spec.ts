import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, interruptedStream, randomBlob, sha256Of, streamOf } from '../testing/blob-bodies';
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

  it("lays blobs out as <root>/<sha[0:2]>/<sha>, readable by the server's user only", async () => {
    const { bytes, sha } = randomBlob(1234);
    await sut.put(sha, streamOf(bytes));
    const info = statSync(join(root, 'blobs', sha.slice(0, 2), sha));
    expect(info.size).toBe(1234);
    expect(info.mode & 0o777).toBe(0o400);
    expect(tmpEntries()).toEqual([]);
  });

  it('takes in a file it is given for the body by a hard link: flushed, read-only, never replacing a stored blob', async () => {
    const { bytes, sha } = randomBlob(300_000);
    const given = join(root, 'spooled');
    writeFileSync(given, bytes, { mode: 0o600 });
    const body = streamOf(bytes);
    expect(await sut.put(sha, body, { expectedSize: bytes.length, adoptFile: given })).toEqual({
      sha256: sha,
      size: 300_000,
      created: true,
    });
    const blob = statSync(join(root, 'blobs', sha.slice(0, 2), sha));
    expect([blob.ino, blob.nlink, blob.mode & 0o777]).toEqual([statSync(given).ino, 2, 0o400]);
    expect(body.destroyed).toBe(true);
    rmSync(given);
    expect(Buffer.concat(await collect<Buffer>(await sut.read(sha))).equals(bytes)).toBe(true);

    const again = join(root, 'spooled-again');
    writeFileSync(again, bytes);
    expect(await sut.put(sha, streamOf(bytes), { adoptFile: again })).toEqual({ sha256: sha, size: 300_000, created: false });
    expect(statSync(join(root, 'blobs', sha.slice(0, 2), sha)).nlink).toBe(1);
    expect(tmpEntries()).toEqual([]);
  });

  it('refuses a file it is given whose size is not the declared one, storing nothing', async () => {
    const { bytes, sha } = randomBlob(1000);
    const given = join(root, 'spooled');
    writeFileSync(given, bytes);
    await expect(sut.put(sha, streamOf(bytes), { expectedSize: 999, adoptFile: given })).rejects.toMatchObject({ code: 'unavailable' });
    expect(await sut.stat(sha)).toBeNull();
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
    expect(readdirSync(join(root, 'blobs')).sort()).toEqual(['.quarantine', '.tmp']);
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

describe('LocalFsBlobStore on disk', () => {
  let root: string;
  let umask: number;

  beforeEach(() => {
    root = tempRoot();
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  const mode = (path: string) => statSync(path).mode & 0o777;

  it('keeps its directories 0700 and blobs 0400 under umask 022', async () => {
    const sut = new LocalFsBlobStore({ root: join(root, 'blobs') });
    await sut.init();
    const { bytes, sha } = randomBlob(100);
    await sut.put(sha, streamOf(bytes));
    const dirs = ['blobs', 'blobs/.tmp', 'blobs/.quarantine', `blobs/${sha.slice(0, 2)}`];
    expect(dirs.map((d) => [d, mode(join(root, d))])).toEqual(dirs.map((d) => [d, 0o700]));
    expect(mode(join(root, 'blobs', sha.slice(0, 2), sha))).toBe(0o400);
  });

  it('moves a quarantined blob to .quarantine/<sha>.<time>, a second one of the same digest beside it', async () => {
    const sut = new LocalFsBlobStore({ root });
    await sut.init();
    const { bytes, sha } = randomBlob(700);
    const before = Date.now();
    for (let i = 0; i < 2; i++) {
      await sut.put(sha, streamOf(bytes));
      await sut.quarantine(sha);
    }
    const names = readdirSync(join(root, '.quarantine')).sort();
    expect(names).toHaveLength(2);
    for (const name of names) {
      const match = /^([0-9a-f]{64})\.(\d+)(-\d+)?$/.exec(name)!;
      expect([match[1], Number(match[2]) >= before, readFileSync(join(root, '.quarantine', name)).equals(bytes)]).toEqual([
        sha,
        true,
        true,
      ]);
    }
  });

  it('hashes a stored blob whole for a scrub, saying what its bytes hash to, corrupt or not', async () => {
    const sut = new LocalFsBlobStore({ root });
    await sut.init();
    const { bytes, sha } = randomBlob(9 * 1024 * 1024 + 17);
    await sut.put(sha, streamOf(bytes));
    const paced: number[] = [];
    expect(await sut.hashStored(sha, async (n) => void paced.push(n))).toEqual({ bytes: bytes.length, sha256: sha });
    expect(paced.reduce((a, b) => a + b, 0)).toBe(bytes.length);

    const path = join(root, sha.slice(0, 2), sha);
    chmodSync(path, 0o600);
    writeFileSync(path, bytes.subarray(0, 1000));
    expect(await sut.hashStored(sha)).toEqual({ bytes: 1000, sha256: sha256Of(bytes.subarray(0, 1000)) });

    const stop = new Error('cancelled');
    await expect(sut.hashStored(sha, () => Promise.reject(stop))).rejects.toBe(stop);
    await expect(sut.hashStored(randomBlob(1).sha)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('tells the free bytes of its file system', async () => {
    const sut = new LocalFsBlobStore({ root });
    await sut.init();
    const free = await sut.freeBytes();
    const info = statfsSync(root);
    expect(free).toBeGreaterThan(0);
    expect(Math.abs(free! - info.bavail * info.bsize)).toBeLessThan(64 << 20);
  });
});

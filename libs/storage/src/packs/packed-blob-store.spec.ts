import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFsBlobStore } from '../local/local-fs-blob-store';
import { randomBlob, readAll, streamOf } from '../testing/blob-bodies';
import { describeBlobStoreContract } from '../testing/blob-store.contract';
import { MemoryPackFiles } from '../testing/memory-pack-files';
import { LocalPackFiles } from './local-pack-files';
import { MemoryPackIndex } from './memory-pack-index';
import { PackedBlobStore } from './packed-blob-store';
import { StoredCopyCorrupt } from './packed-read';

const THRESHOLD = 1024 * 1024;

describeBlobStoreContract('packed over local-fs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hoard-packed-'));
  const sut = new PackedBlobStore({
    loose: new LocalFsBlobStore({ root }),
    index: new MemoryPackIndex(),
    files: new LocalPackFiles(root),
    threshold: THRESHOLD,
  });
  await sut.init();
  return { sut, cleanup: async () => rmSync(root, { recursive: true, force: true }) };
});

describe('PackedBlobStore', () => {
  let root: string;
  let loose: LocalFsBlobStore;
  let index: MemoryPackIndex;
  let files: MemoryPackFiles;
  let sut: PackedBlobStore;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'hoard-packed-'));
    loose = new LocalFsBlobStore({ root });
    index = new MemoryPackIndex();
    files = new MemoryPackFiles();
    sut = new PackedBlobStore({ loose, index, files, threshold: 4096 });
    await sut.init();
  });

  afterEach(async () => {
    await sut.close();
    rmSync(root, { recursive: true, force: true });
  });

  const looseFiles = () => readdirSync(root).filter((name) => /^[0-9a-f]{2}$/.test(name));

  it('packs content under the threshold, declared or not, and stores larger content loose', async () => {
    const small = randomBlob(4095);
    const unsized = randomBlob(100);
    const large = randomBlob(4096);
    const largeUnsized = randomBlob(50_000);
    await sut.put(small.sha, streamOf(small.bytes), { expectedSize: 4095 });
    await sut.put(unsized.sha, streamOf(unsized.bytes, 7));
    await sut.put(large.sha, streamOf(large.bytes), { expectedSize: 4096 });
    await sut.put(largeUnsized.sha, streamOf(largeUnsized.bytes, 1000));
    expect((await index.list('', 10)).map((e) => e.sha256).sort()).toEqual([small.sha, unsized.sha].sort());
    expect(looseFiles().sort()).toEqual([large.sha.slice(0, 2), largeUnsized.sha.slice(0, 2)].sort());
    expect(await loose.stat(largeUnsized.sha)).toEqual({ sha256: largeUnsized.sha, size: 50_000 });
    expect(await readAll(await sut.read(largeUnsized.sha))).toEqual(largeUnsized.bytes);
  });

  it('keeps serving a loose blob stored before packs, and does not pack it again', async () => {
    const old = randomBlob(200);
    await loose.put(old.sha, streamOf(old.bytes));
    await expect(sut.put(old.sha, streamOf(old.bytes))).resolves.toEqual({ sha256: old.sha, size: 200, created: false });
    await expect(index.lookup(old.sha)).resolves.toBeNull();
    expect(await readAll(await sut.read(old.sha))).toEqual(old.bytes);
  });

  it('packs content its caller never registered without looking for a loose copy (an orphan), and reads the packed one', async () => {
    const orphan = randomBlob(300);
    await loose.put(orphan.sha, streamOf(orphan.bytes));
    const stat = jest.spyOn(loose, 'stat');
    await expect(sut.put(orphan.sha, streamOf(orphan.bytes), { unregistered: true })).resolves.toEqual({
      sha256: orphan.sha,
      size: 300,
      created: true,
    });
    expect(stat).not.toHaveBeenCalled();
    await expect(index.lookup(orphan.sha)).resolves.toMatchObject({ sha256: orphan.sha, length: 300 });
    expect(await readAll(await sut.read(orphan.sha))).toEqual(orphan.bytes);
  });

  it('never hands over a packed entry whose bytes are wrong; the other entries of the pack still serve', async () => {
    const bad = randomBlob(300);
    const good = randomBlob(300);
    await Promise.all([sut.put(bad.sha, streamOf(bad.bytes)), sut.put(good.sha, streamOf(good.bytes))]);
    const entry = (await index.lookup(bad.sha))!;
    files.bytes.get(entry.packId)![entry.offset + 150] ^= 0xff;
    const received: Buffer[] = [];
    const stream = await sut.read(bad.sha);
    stream.on('data', (chunk: Buffer) => received.push(chunk));
    const failure = await new Promise((resolve) => stream.once('error', resolve));
    expect(failure).toBeInstanceOf(StoredCopyCorrupt);
    expect(received).toEqual([]);
    expect(await readAll(await sut.read(good.sha))).toEqual(good.bytes);
    await expect(sut.quarantine(bad.sha)).resolves.toBe(true);
    await expect(sut.stat(bad.sha)).resolves.toBeNull();
    await expect(sut.put(bad.sha, streamOf(bad.bytes))).resolves.toMatchObject({ created: true });
    expect(await readAll(await sut.read(bad.sha))).toEqual(bad.bytes);
  });

  it('serves ranges of a packed entry from its pack', async () => {
    const { bytes, sha } = randomBlob(1000);
    await sut.put(sha, streamOf(bytes));
    expect(await readAll(await sut.read(sha, { start: 10, end: 19 }))).toEqual(bytes.subarray(10, 20));
    await expect(sut.read(sha, { start: 0, end: 1000 })).rejects.toMatchObject({ code: 'range_not_satisfiable' });
  });

  it('lists packed and loose content together in digest order', async () => {
    const blobs = [randomBlob(10), randomBlob(20), randomBlob(5000), randomBlob(6000)];
    for (const b of blobs) await sut.put(b.sha, streamOf(b.bytes));
    const all = [];
    for await (const stat of sut.list()) all.push(stat);
    expect(all).toEqual(blobs.map((b) => ({ sha256: b.sha, size: b.bytes.length })).sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1)));
  });
});

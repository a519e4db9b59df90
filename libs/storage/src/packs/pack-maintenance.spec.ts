import type { Sha256 } from '@app/contracts';
import { MemoryBlobStore } from '../memory/memory-blob-store';
import { collect, randomBlob, readAll, streamOf } from '../testing/blob-bodies';
import { MemoryPackFiles } from '../testing/memory-pack-files';
import { MemoryPackIndex } from './memory-pack-index';
import type { PackMaintenance } from './pack-maintenance';
import { PackedBlobStore } from './packed-blob-store';

describe('PackMaintenance of a PackedBlobStore', () => {
  let loose: MemoryBlobStore;
  let index: MemoryPackIndex;
  let files: MemoryPackFiles;
  let store: PackedBlobStore;
  let sut: PackMaintenance;

  beforeEach(async () => {
    loose = new MemoryBlobStore();
    index = new MemoryPackIndex();
    files = new MemoryPackFiles();
    // Four blobs of 300 bytes fill and seal a pack.
    store = new PackedBlobStore({ loose, index, files, threshold: 4096, packSize: 1000 });
    await store.init();
    sut = store.maintenance();
  });

  afterEach(() => store.close());

  const put = async (size = 300) => {
    const blob = randomBlob(size);
    await store.put(blob.sha, streamOf(blob.bytes));
    return blob;
  };
  /** Five blobs: the first four in a sealed pack, the fifth in the open one; returns them and the sealed pack's id. */
  const filled = async () => {
    const blobs = [];
    for (let i = 0; i < 5; i++) blobs.push(await put());
    const sealed = (await sut.packs()).find((p) => p.sealed)!;
    return { blobs, sealed: sealed.id };
  };
  const noCorrupt = async (sha: Sha256) => {
    throw new Error(`${sha} was found corrupt`);
  };

  it('rewrites a sealed pack: live entries copied to the open pack, the old pack dropped and its file removed', async () => {
    const { blobs, sealed } = await filled();
    await store.delete(blobs[0].sha);
    await store.delete(blobs[2].sha);
    expect((await sut.packs()).find((p) => p.id === sealed)).toMatchObject({ size: 1200, liveBytes: 600, entries: 2 });

    expect(await sut.rewrite(sealed, noCorrupt)).toEqual({ moved: 2, movedBytes: 600, corrupt: [], dropped: true });
    expect((await sut.packs()).map((p) => [p.sealed, p.entries, p.liveBytes])).toEqual([[false, 3, 900]]);
    expect(files.bytes.has(sealed)).toBe(false);
    for (const blob of [blobs[1], blobs[3], blobs[4]]) expect(await readAll(await store.read(blob.sha))).toEqual(blob.bytes);
    expect(await store.stat(blobs[0].sha)).toBeNull();
  });

  it('drops a pack with nothing live without copying anything', async () => {
    const { blobs, sealed } = await filled();
    for (const blob of blobs.slice(0, 4)) await store.delete(blob.sha);
    expect(await sut.rewrite(sealed, noCorrupt)).toEqual({ moved: 0, movedBytes: 0, corrupt: [], dropped: true });
    expect((await sut.packs()).map((p) => p.entries)).toEqual([1]);
  });

  it('hands an entry found corrupt to onCorrupt before the pack is dropped, and copies the others', async () => {
    const { blobs, sealed } = await filled();
    const entry = (await index.lookup(blobs[1].sha))!;
    files.bytes.get(sealed)![entry.offset + 7] ^= 0xff;
    const seen: string[] = [];
    const outcome = await sut.rewrite(sealed, async (sha) => {
      seen.push(sha);
      expect(await index.lookup(sha)).toMatchObject({ packId: sealed });
      await store.quarantine(sha);
    });
    expect(outcome).toEqual({ moved: 3, movedBytes: 900, corrupt: [blobs[1].sha], dropped: true });
    expect(seen).toEqual([blobs[1].sha]);
    expect(await store.stat(blobs[1].sha)).toBeNull();
    expect(await readAll(await store.read(blobs[3].sha))).toEqual(blobs[3].bytes);
  });

  it('stops between batches once cancelled, leaving the pack as it was', async () => {
    const { sealed } = await filled();
    const cancelled = new AbortController();
    cancelled.abort();
    expect(await sut.rewrite(sealed, noCorrupt, cancelled.signal)).toEqual({ moved: 0, movedBytes: 0, corrupt: [], dropped: false });
    expect(files.bytes.has(sealed)).toBe(true);
    expect((await sut.packs()).find((p) => p.id === sealed)).toMatchObject({ entries: 4 });
  });

  it('leaves the pack and every entry where they were when a copy cannot be written', async () => {
    const { blobs, sealed } = await filled();
    files.failNextWrite = new Error('EIO: the disk failed');
    await expect(sut.rewrite(sealed, noCorrupt)).rejects.toMatchObject({ code: 'unavailable' });
    expect((await sut.packs()).find((p) => p.id === sealed)).toMatchObject({ entries: 4, liveBytes: 1200 });
    for (const blob of blobs) expect(await readAll(await store.read(blob.sha))).toEqual(blob.bytes);
  });

  it('reads content moved after its lookup from its new pack', async () => {
    const { blobs, sealed } = await filled();
    await store.delete(blobs[0].sha);
    const lookup = index.lookup.bind(index);
    jest.spyOn(index, 'lookup').mockImplementationOnce(async (sha) => {
      const before = await lookup(sha);
      await sut.rewrite(sealed, noCorrupt);
      return before;
    });
    expect(await readAll(await store.read(blobs[3].sha))).toEqual(blobs[3].bytes);
    expect((await index.lookup(blobs[3].sha))!.packId).not.toBe(sealed);
  });

  it('leaves removed content removed when its move commits after the removal', async () => {
    const { blobs, sealed } = await filled();
    const remove = index.remove.bind(index);
    const commit = index.commit.bind(index);
    jest.spyOn(index, 'commit').mockImplementation(async (batch) => {
      // Taken down between the copy and the commit of its move.
      if (batch.moves?.some((m) => m.sha256 === blobs[2].sha)) await remove(blobs[2].sha);
      return commit(batch);
    });
    expect(await sut.rewrite(sealed, noCorrupt)).toMatchObject({ moved: 4, dropped: true });
    expect(await store.stat(blobs[2].sha)).toBeNull();
    expect(await readAll(await store.read(blobs[1].sha))).toEqual(blobs[1].bytes);
  });

  it('finds loose copies shadowed by packed ones and removes them while the content stays packed', async () => {
    const shadowed = randomBlob(100);
    const alone = randomBlob(100);
    await loose.put(shadowed.sha, streamOf(shadowed.bytes));
    await loose.put(alone.sha, streamOf(alone.bytes));
    await store.put(shadowed.sha, streamOf(shadowed.bytes), { unregistered: true });
    expect(await collect(sut.shadowedLoose())).toEqual([{ sha256: shadowed.sha, size: 100 }]);
    expect(await sut.removeShadow(alone.sha)).toBe(false);
    expect(await sut.removeShadow(shadowed.sha)).toBe(true);
    expect(await loose.stat(shadowed.sha)).toBeNull();
    expect(await loose.stat(alone.sha)).toMatchObject({ size: 100 });
    expect(await readAll(await store.read(shadowed.sha))).toEqual(shadowed.bytes);
  });

  it('removes pack files the index does not know, last written before a time; a dry run counts them', async () => {
    await put();
    files.now = 1000;
    await (await files.create('stray-old')).write([Buffer.alloc(50)], 0);
    files.now = 5000;
    await (await files.create('stray-new')).write([Buffer.alloc(70)], 0);
    expect(await sut.removeStrayPacks(5000, true)).toEqual({ packs: 1, bytes: 50 });
    expect(files.bytes.has('stray-old')).toBe(true);
    expect(await sut.removeStrayPacks(5000, false)).toEqual({ packs: 1, bytes: 50 });
    expect([...files.bytes.keys()].filter((id) => id.startsWith('stray'))).toEqual(['stray-new']);
    expect((await sut.packs()).length).toBe(1);
  });
});

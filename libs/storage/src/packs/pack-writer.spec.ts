import { HoardError } from '@app/contracts';
import { randomBlob } from '../testing/blob-bodies';
import { MemoryPackFiles } from '../testing/memory-pack-files';
import { MemoryPackIndex } from './memory-pack-index';
import type { PackCommit } from './pack-index';
import { inPackBatch, PackWriter } from './pack-writer';

/** A memory index that counts commits and can hold the next ones until released. */
class GatedIndex extends MemoryPackIndex {
  commits: PackCommit[] = [];
  private gate: Promise<void> | null = null;
  private open: () => void = () => undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.gate = null;
    this.open();
  }

  override async commit(batch: PackCommit): Promise<void> {
    this.commits.push(batch);
    if (this.gate) await this.gate;
    await super.commit(batch);
  }
}

describe('PackWriter', () => {
  let files: MemoryPackFiles;
  let index: GatedIndex;
  let sut: PackWriter;

  const make = (packSize = 1 << 20) => {
    let n = 0;
    sut = new PackWriter({ files, index, packSize, newId: () => `p${++n}` });
  };
  const blob = (size: number) => {
    const { bytes, sha } = randomBlob(size);
    return { sha, chunks: [bytes.subarray(0, size >> 1), bytes.subarray(size >> 1)], bytes };
  };

  beforeEach(() => {
    files = new MemoryPackFiles();
    index = new GatedIndex();
    make();
  });

  it('group-commits concurrent appends: one write, one fdatasync and one index transaction for all', async () => {
    const blobs = Array.from({ length: 200 }, () => blob(2048));
    const results = await Promise.all(blobs.map((b) => sut.append(b.sha, b.chunks, 2048)));
    expect(results.every((created) => created)).toBe(true);
    expect([files.calls.create, files.calls.write, files.calls.datasync, index.commits.length]).toEqual([1, 1, 1, 1]);
    for (const [i, b] of blobs.entries()) {
      expect(await index.lookup(b.sha)).toEqual({ sha256: b.sha, packId: 'p1', offset: i * 2048, length: 2048 });
      expect(await files.readBytes('p1', i * 2048, 2048)).toEqual(b.bytes);
    }
  });

  it('resolves an append only once its flush is committed, and shows nothing before', async () => {
    const b = blob(100);
    index.hold();
    let resolved = false;
    const appended = sut.append(b.sha, b.chunks, 100).then((created) => (resolved = created));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(index.commits).toHaveLength(1);
    expect([resolved, await index.lookup(b.sha)]).toEqual([false, null]);
    index.release();
    await appended;
    expect([resolved, (await index.lookup(b.sha))?.packId]).toEqual([true, 'p1']);
  });

  it('gathers the appends that arrive during a flush into the next one, in the same pack', async () => {
    const first = blob(10);
    index.hold();
    const one = sut.append(first.sha, first.chunks, 10);
    while (index.commits.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const later = Array.from({ length: 10 }, () => blob(10));
    const rest = later.map((b) => sut.append(b.sha, b.chunks, 10));
    index.release();
    await Promise.all([one, ...rest]);
    expect(index.commits.map((c) => [c.entries.length, c.packs])).toEqual([
      [1, [{ id: 'p1', size: 10, sealed: false }]],
      [10, [{ id: 'p1', size: 110, sealed: false }]],
    ]);
    expect(files.calls.datasync).toBe(2);
  });

  describe("a batch of appends (one request's parts)", () => {
    /** Lets the event loop turn until `done` settles (each turn a chance for a flush that should not come). */
    const turn = () => new Promise((resolve) => setImmediate(resolve));

    it('flushes its appends together at its end, however many turns they took to arrive', async () => {
      const parts = Array.from({ length: 20 }, () => blob(100));
      const appends: Array<Promise<boolean>> = [];
      await inPackBatch(async (batch) => {
        for (const b of parts) {
          appends.push(sut.append(b.sha, b.chunks, 100, false, batch));
          await turn();
          await turn();
        }
        expect(index.commits).toEqual([]);
        batch.end();
        expect(await Promise.all(appends)).toEqual(parts.map(() => true));
      });
      expect(index.commits.map((c) => c.entries.length)).toEqual([20]);
      expect([files.calls.write, files.calls.datasync]).toEqual([1, 1]);
    });

    it('is flushed at once when 128 appends are queued; what follows waits for its end', async () => {
      const parts = Array.from({ length: 130 }, () => blob(10));
      await inPackBatch(async (batch) => {
        const first = parts.slice(0, 128).map((b) => sut.append(b.sha, b.chunks, 10, false, batch));
        await Promise.all(first);
        expect(index.commits.map((c) => c.entries.length)).toEqual([128]);
        const rest = parts.slice(128).map((b) => sut.append(b.sha, b.chunks, 10, false, batch));
        await turn();
        await turn();
        expect(index.commits.map((c) => c.entries.length)).toEqual([128]);
        batch.end();
        await Promise.all(rest);
      });
      expect(index.commits.map((c) => c.entries.length)).toEqual([128, 2]);
    });

    it('is flushed with an append made outside any batch, which does not wait for it', async () => {
      const held = blob(10);
      const single = blob(10);
      let inBatch!: Promise<boolean>;
      let finish!: () => void;
      const batched = inPackBatch(async (batch) => {
        inBatch = sut.append(held.sha, held.chunks, 10, false, batch);
        await new Promise<void>((resolve) => (finish = resolve));
        batch.end();
      });
      await turn();
      await turn();
      expect(index.commits).toEqual([]);
      expect(await sut.append(single.sha, single.chunks, 10)).toBe(true);
      expect(await inBatch).toBe(true);
      expect(index.commits.map((c) => c.entries.map((e) => e.sha256))).toEqual([[held.sha, single.sha]]);
      finish();
      await batched;
      expect(index.commits).toHaveLength(1);
    });

    it('is flushed when the writer closes, its end not come', async () => {
      const b = blob(10);
      let appended!: Promise<boolean>;
      const batched = inPackBatch(async (batch) => {
        appended = sut.append(b.sha, b.chunks, 10, false, batch);
        await turn();
        await sut.close();
        expect(await appended).toBe(true);
      });
      await batched;
      expect(index.commits.map((c) => c.entries.length)).toEqual([1]);
    });
  });

  it('keeps a pack open across flushes and seals it at its size: packs number bytes / size, not flushes', async () => {
    make(1000);
    for (let i = 0; i < 5; i++) {
      const b = blob(400);
      await sut.append(b.sha, b.chunks, 400);
    }
    expect(index.commits).toHaveLength(5);
    expect(await index.packs()).toEqual([
      { id: 'p1', size: 1200, sealed: true, entries: 3, liveBytes: 1200 },
      { id: 'p2', size: 800, sealed: false, entries: 2, liveBytes: 800 },
    ]);
    expect([files.calls.create, files.calls.close]).toEqual([2, 1]);
    await sut.close();
    expect(files.calls.close).toBe(2);
  });

  it('stores a digest appended many times at once once: one append creates it, the others answer false', async () => {
    const b = blob(500);
    const results = await Promise.all(Array.from({ length: 20 }, () => sut.append(b.sha, b.chunks, 500)));
    expect(results.filter((created) => created)).toHaveLength(1);
    expect(await index.entriesOf('p1')).toEqual([{ sha256: b.sha, packId: 'p1', offset: 0, length: 500 }]);
    await expect(sut.append(b.sha, b.chunks, 500)).resolves.toBe(false);
  });

  it('looks up unregistered appends once per flush, and commits no second entry of a digest found packed there', async () => {
    const old = blob(300);
    await sut.append(old.sha, old.chunks, 300);
    const lookups = { one: jest.spyOn(index, 'lookup'), many: jest.spyOn(index, 'lookupMany') };
    const fresh = Array.from({ length: 5 }, () => blob(100));
    const results = await Promise.all([
      sut.append(old.sha, old.chunks, 300, true),
      ...fresh.map((b) => sut.append(b.sha, b.chunks, 100, true)),
    ]);
    expect(results).toEqual([false, true, true, true, true, true]);
    expect([lookups.one.mock.calls.length, lookups.many.mock.calls]).toEqual([0, [[[old.sha, ...fresh.map((b) => b.sha)]]]]);
    // The old digest's entry stays where it was; its second copy is garbage between the new entries.
    expect((await index.entriesOf('p1')).map((e) => [e.sha256, e.offset])).toEqual([
      [old.sha, 0],
      ...fresh.map((b, i) => [b.sha, 600 + i * 100]),
    ]);
  });

  it('makes nothing of a failed write visible and goes on in a new pack', async () => {
    const lost = blob(300);
    const kept = blob(300);
    files.failNextWrite = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    await expect(sut.append(lost.sha, lost.chunks, 300)).rejects.toMatchObject({ code: 'insufficient_storage' });
    await expect(index.lookup(lost.sha)).resolves.toBeNull();
    await expect(sut.append(kept.sha, kept.chunks, 300)).resolves.toBe(true);
    expect(await index.lookup(kept.sha)).toEqual({ sha256: kept.sha, packId: 'p2', offset: 0, length: 300 });
    expect(index.commits.map((c) => c.packs.map((p) => p.id))).toEqual([['p2']]);
  });

  it("fails the appends of a flush with the pack files' own typed error: a full S3 bucket stays insufficient_storage", async () => {
    const b = blob(300);
    files.failNextWrite = new HoardError('insufficient_storage', 'The blob store is full');
    await expect(sut.append(b.sha, b.chunks, 300)).rejects.toMatchObject({ code: 'insufficient_storage' });
    await expect(index.lookup(b.sha)).resolves.toBeNull();
  });

  it('relocates content as a move: committed with the flush, only while the entry is still in the pack it left', async () => {
    const kept = blob(100);
    const removed = blob(100);
    const from = { packId: 'old', offset: 0, length: 100 };
    await index.commit({
      packs: [{ id: 'old', size: 200, sealed: true }],
      entries: [
        { sha256: kept.sha, ...from },
        { sha256: removed.sha, ...from, offset: 100 },
      ],
    });
    await index.remove(removed.sha);
    index.commits = [];
    await Promise.all([
      sut.relocate({ sha256: kept.sha, ...from }, kept.chunks),
      sut.relocate({ sha256: removed.sha, ...from, offset: 100 }, removed.chunks),
    ]);
    expect(index.commits).toEqual([
      {
        packs: [{ id: 'p1', size: 200, sealed: false }],
        entries: [],
        moves: [
          { sha256: kept.sha, packId: 'p1', offset: 0, length: 100, from: 'old' },
          { sha256: removed.sha, packId: 'p1', offset: 100, length: 100, from: 'old' },
        ],
      },
    ]);
    expect(await index.lookup(kept.sha)).toEqual({ sha256: kept.sha, packId: 'p1', offset: 0, length: 100 });
    expect(await index.lookup(removed.sha)).toBeNull();
    expect(await files.readBytes('p1', 0, 100)).toEqual(kept.bytes);
  });

  it('recovers from a crash: cuts packs back to their committed end, removes unknown packs, seals open ones', async () => {
    const b = blob(64);
    await sut.append(b.sha, b.chunks, 64);
    const appender = await files.create('orphan');
    await appender.write([Buffer.from('never committed')], 0);
    files.bytes.set('p1', Buffer.concat([files.bytes.get('p1')!, Buffer.from('garbage of an unfinished flush')]));
    make();
    await sut.recover();
    expect(await files.list()).toEqual([{ id: 'p1', size: 64, modifiedAt: 0 }]);
    expect(await index.packs()).toEqual([{ id: 'p1', size: 64, sealed: true, entries: 1, liveBytes: 64 }]);
    expect(await files.readBytes('p1', 0, 64)).toEqual(b.bytes);
  });

  it('removes a pack the index does not know only once it is older than the grace period', async () => {
    const clock = { now: 10_000_000 };
    sut = new PackWriter({ files, index, packSize: 1 << 20, orphanGraceMs: 3600_000, now: () => clock.now });
    files.now = clock.now;
    const uploaded = await files.create('another-instance');
    await uploaded.write([Buffer.from('uploaded, not committed yet')], 0);
    files.now = clock.now - 3600_001;
    await (await files.create('crashed')).write([Buffer.from('left by a crash')], 0);
    clock.now += 3599_999;
    await sut.recover();
    expect((await files.list()).map((f) => f.id)).toEqual(['another-instance']);
    clock.now += 1;
    await sut.recover();
    expect(await files.list()).toEqual([]);
  });
});

describe('PackWriter over pack files that seal on sync (S3)', () => {
  let files: MemoryPackFiles;
  let index: GatedIndex;
  let sut: PackWriter;

  beforeEach(() => {
    let n = 0;
    files = new MemoryPackFiles(true);
    index = new GatedIndex();
    sut = new PackWriter({ files, index, packSize: 1 << 20, newId: () => `p${++n}` });
  });
  const blob = (size: number) => {
    const { bytes, sha } = randomBlob(size);
    return { sha, chunks: [bytes], bytes };
  };

  it("commits each flush's pack sealed and puts the appends that arrive during a flush in a new pack", async () => {
    const first = Array.from({ length: 3 }, () => blob(100));
    index.hold();
    const one = first.map((b) => sut.append(b.sha, b.chunks, 100));
    while (index.commits.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const later = Array.from({ length: 5 }, () => blob(10));
    const rest = later.map((b) => sut.append(b.sha, b.chunks, 10));
    index.release();
    expect(await Promise.all([...one, ...rest])).toEqual(Array(8).fill(true));
    expect(index.commits.map((c) => [c.entries.length, c.packs])).toEqual([
      [3, [{ id: 'p1', size: 300, sealed: true }]],
      [5, [{ id: 'p2', size: 50, sealed: true }]],
    ]);
    expect(files.calls).toEqual({ create: 2, write: 2, datasync: 2, close: 2 });
    expect(await index.lookup(later[4].sha)).toEqual({ sha256: later[4].sha, packId: 'p2', offset: 40, length: 10 });
    expect(await files.readBytes('p2', 40, 10)).toEqual(later[4].bytes);
  });

  it("seals at recovery a pack left unsealed only once it is older than the grace: it may be another instance's commit", async () => {
    const clock = { now: 10_000_000 };
    sut = new PackWriter({ files, index, packSize: 1 << 20, orphanGraceMs: 3600_000, now: () => clock.now });
    files.now = clock.now - 3600_000;
    await (await files.create('crashed')).write([Buffer.alloc(10)], 0);
    files.now = clock.now - 1000;
    await (await files.create('committing')).write([Buffer.alloc(10)], 0);
    await index.commit({
      packs: [
        { id: 'crashed', size: 10, sealed: false },
        { id: 'committing', size: 10, sealed: false },
      ],
      entries: [],
    });
    await sut.recover();
    expect((await index.packs()).map((p) => [p.id, p.sealed])).toEqual([
      ['committing', false],
      ['crashed', true],
    ]);
  });

  it('opens a new pack for an append after a flush instead of writing to the sealed one', async () => {
    const a = blob(64);
    const b = blob(64);
    await expect(sut.append(a.sha, a.chunks, 64)).resolves.toBe(true);
    await expect(sut.append(b.sha, b.chunks, 64)).resolves.toBe(true);
    expect((await index.packs()).map((p) => [p.id, p.size, p.sealed])).toEqual([
      ['p1', 64, true],
      ['p2', 64, true],
    ]);
    await sut.close();
    expect(files.calls.close).toBe(2);
  });
});

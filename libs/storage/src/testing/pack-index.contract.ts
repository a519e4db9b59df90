import type { Sha256 } from '@app/contracts';
import type { PackEntry, PackIndex } from '../packs/pack-index';
import { useFreshSubject } from './contract-subject';

/** What a contract run needs from an adapter: a fresh, initialised, empty index and a way to dispose of it. */
export type PackIndexFactory = () => Promise<{ sut: PackIndex; cleanup(): Promise<void> }>;

const digest = (n: number) => n.toString(16).padStart(64, '0') as Sha256;
const entry = (n: number, packId: string, offset: number, length: number): PackEntry => ({ sha256: digest(n), packId, offset, length });

/** The one behaviour suite every PackIndex adapter passes (memory, SQLite, MongoDB). */
export function describePackIndexContract(name: string, factory: PackIndexFactory): void {
  describe(`PackIndex contract: ${name}`, () => {
    let sut: PackIndex;
    useFreshSubject(factory, (fresh) => (sut = fresh));

    it("makes a flush visible whole: its entries and the packs' committed ends", async () => {
      await sut.commit({
        packs: [{ id: 'p1', size: 300, sealed: false }],
        entries: [entry(1, 'p1', 0, 100), entry(2, 'p1', 100, 200)],
      });
      await expect(sut.lookup(digest(1))).resolves.toEqual(entry(1, 'p1', 0, 100));
      await expect(sut.lookup(digest(3))).resolves.toBeNull();
      const many = await sut.lookupMany([digest(2), digest(3), digest(1)]);
      expect([...many.entries()].sort()).toEqual([
        [digest(1), entry(1, 'p1', 0, 100)],
        [digest(2), entry(2, 'p1', 100, 200)],
      ]);
      await expect(sut.packs()).resolves.toEqual([{ id: 'p1', size: 300, sealed: false, entries: 2, liveBytes: 300 }]);
    });

    it("moves a pack's committed end forward and seals it across flushes spanning two packs", async () => {
      await sut.commit({ packs: [{ id: 'p1', size: 100, sealed: false }], entries: [entry(1, 'p1', 0, 100)] });
      await sut.commit({
        packs: [
          { id: 'p1', size: 150, sealed: true },
          { id: 'p2', size: 10, sealed: false },
        ],
        entries: [entry(2, 'p1', 100, 50), entry(3, 'p2', 0, 10)],
      });
      await expect(sut.packs()).resolves.toEqual([
        { id: 'p1', size: 150, sealed: true, entries: 2, liveBytes: 150 },
        { id: 'p2', size: 10, sealed: false, entries: 1, liveBytes: 10 },
      ]);
      await expect(sut.entriesOf('p1')).resolves.toEqual([entry(1, 'p1', 0, 100), entry(2, 'p1', 100, 50)]);
    });

    it('keeps the first entry of a digest committed twice', async () => {
      await sut.commit({ packs: [{ id: 'p1', size: 10, sealed: false }], entries: [entry(1, 'p1', 0, 10)] });
      await sut.commit({ packs: [{ id: 'p1', size: 20, sealed: false }], entries: [entry(1, 'p1', 10, 10)] });
      await expect(sut.lookup(digest(1))).resolves.toEqual(entry(1, 'p1', 0, 10));
      await expect(sut.packs()).resolves.toEqual([{ id: 'p1', size: 20, sealed: false, entries: 1, liveBytes: 10 }]);
    });

    it("forgets a removed entry, lowering its pack's live bytes, and answers false for an absent one", async () => {
      await sut.commit({
        packs: [{ id: 'p1', size: 30, sealed: false }],
        entries: [entry(1, 'p1', 0, 10), entry(2, 'p1', 10, 20)],
      });
      await expect(sut.remove(digest(2))).resolves.toBe(true);
      await expect(sut.remove(digest(2))).resolves.toBe(false);
      await expect(sut.lookup(digest(2))).resolves.toBeNull();
      await expect(sut.packs()).resolves.toEqual([{ id: 'p1', size: 30, sealed: false, entries: 1, liveBytes: 10 }]);
    });

    it('lists entries in digest order after a digest, up to a limit', async () => {
      const entries = [5, 1, 4, 2, 3].map((n, i) => entry(n, 'p1', i * 10, 10));
      await sut.commit({ packs: [{ id: 'p1', size: 50, sealed: false }], entries });
      const shas = (list: PackEntry[]) => list.map((e) => e.sha256);
      expect(shas(await sut.list('', 100))).toEqual([1, 2, 3, 4, 5].map(digest));
      expect(shas(await sut.list(digest(2), 2))).toEqual([digest(3), digest(4)]);
      expect(await sut.list(digest(5), 10)).toEqual([]);
    });

    it('drops a pack with the entries still pointing into it, and no other', async () => {
      await sut.commit({
        packs: [
          { id: 'p1', size: 10, sealed: true },
          { id: 'p2', size: 10, sealed: false },
        ],
        entries: [entry(1, 'p1', 0, 10), entry(2, 'p2', 0, 10)],
      });
      await sut.dropPack('p1');
      await expect(sut.lookup(digest(1))).resolves.toBeNull();
      await expect(sut.lookup(digest(2))).resolves.toEqual(entry(2, 'p2', 0, 10));
      await expect(sut.packs()).resolves.toEqual([{ id: 'p2', size: 10, sealed: false, entries: 1, liveBytes: 10 }]);
      await expect(sut.entriesOf('p1')).resolves.toEqual([]);
    });

    it('moves an entry into a new pack only while it is still in the pack it was copied from', async () => {
      await sut.commit({
        packs: [{ id: 'p1', size: 30, sealed: true }],
        entries: [entry(1, 'p1', 0, 10), entry(2, 'p1', 10, 10), entry(3, 'p1', 20, 10)],
      });
      await sut.remove(digest(3));
      await sut.commit({
        packs: [{ id: 'p2', size: 30, sealed: false }],
        entries: [entry(4, 'p2', 20, 10)],
        moves: [
          { ...entry(1, 'p2', 0, 10), from: 'p1' },
          { ...entry(2, 'p2', 10, 10), from: 'p9' },
          { ...entry(3, 'p2', 10, 10), from: 'p1' },
        ],
      });
      await expect(sut.lookup(digest(1))).resolves.toEqual(entry(1, 'p2', 0, 10));
      await expect(sut.lookup(digest(2))).resolves.toEqual(entry(2, 'p1', 10, 10));
      await expect(sut.lookup(digest(3))).resolves.toBeNull();
      await expect(sut.packs()).resolves.toEqual([
        { id: 'p1', size: 30, sealed: true, entries: 1, liveBytes: 10 },
        { id: 'p2', size: 30, sealed: false, entries: 2, liveBytes: 20 },
      ]);
    });

    it('answers an empty index', async () => {
      await expect(sut.packs()).resolves.toEqual([]);
      await expect(sut.lookupMany([digest(1)])).resolves.toEqual(new Map());
      await expect(sut.list('', 10)).resolves.toEqual([]);
    });
  });
}

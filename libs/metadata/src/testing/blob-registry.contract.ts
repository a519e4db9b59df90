import type { RecordsAndRegistry, StoreFactory } from './contract-fixtures';
import { at, digest, meta, useFreshStore } from './contract-fixtures';

/** The behaviour every `BlobRegistry` adapter must show, with the file records whose sizes it sets. */
export function describeBlobRegistryContract(name: string, factory: StoreFactory<RecordsAndRegistry>): void {
  describe(`BlobRegistry contract: ${name}`, () => {
    const ctx = useFreshStore(factory);

    it('registers idempotently, keeping the first time, and answers the entry as it now is', async () => {
      const sha = digest('blob');
      const entry = { sha256: sha, size: 4, created_at: at(1), deleted_at: null, quarantined_at: null };
      expect(await ctx.sut.registerBlob(sha, 4, at(1))).toEqual(entry);
      expect(await ctx.sut.registerBlob(sha, 4, at(2))).toEqual(entry);
      expect((await ctx.sut.getBlobs([sha])).get(sha)).toEqual(entry);
    });

    it('keeps a takedown through later registrations until it is lifted, after which the digest is unknown', async () => {
      const sha = digest('down');
      await ctx.sut.registerBlob(sha, 4, at(1));
      await ctx.sut.takeDownBlob(sha, 4, at(3));
      await ctx.sut.takeDownBlob(sha, 4, at(4));
      expect(await ctx.sut.registerBlob(sha, 4, at(5))).toMatchObject({ deleted_at: at(3) });
      expect((await ctx.sut.getBlobs([sha])).get(sha)).toMatchObject({ deleted_at: at(3), created_at: at(1) });
      expect(await ctx.sut.reinstateBlob(sha)).toBe(true);
      expect(await ctx.sut.reinstateBlob(sha)).toBe(false);
      expect((await ctx.sut.getBlobs([sha])).size).toBe(0);
      expect(await ctx.sut.registerBlob(sha, 4, at(6))).toMatchObject({ deleted_at: null, created_at: at(6) });
      expect(await ctx.sut.reinstateBlob(sha)).toBe(false);
    });

    it('takes down a digest it never registered, with the size it is given', async () => {
      const sha = digest('unregistered');
      await ctx.sut.takeDownBlob(sha, 9, at(2));
      expect((await ctx.sut.getBlobs([sha])).get(sha)).toEqual({
        sha256: sha,
        size: 9,
        created_at: at(2),
        deleted_at: at(2),
        quarantined_at: null,
      });
    });

    it('quarantines registered content, keeping the first time, until a registration heals it', async () => {
      const sha = digest('bad');
      expect(await ctx.sut.quarantineBlob(sha, at(1))).toBe(false);
      expect((await ctx.sut.getBlobs([sha])).size).toBe(0);
      await ctx.sut.registerBlob(sha, 3, at(1));
      expect(await ctx.sut.quarantineBlob(sha, at(2))).toBe(true);
      expect(await ctx.sut.quarantineBlob(sha, at(3))).toBe(true);
      expect((await ctx.sut.getBlobs([sha])).get(sha)).toMatchObject({ quarantined_at: at(2), deleted_at: null });
      expect(await ctx.sut.registerBlob(sha, 3, at(4))).toMatchObject({ quarantined_at: null, created_at: at(1) });
    });

    it('sets the size of every record of the content, history included, when it is registered', async () => {
      await ctx.sut.recordFiles([meta('/a', 'x', { size: 9_007_199_254_740_991 }), meta('/b', 'x', { size: 5 }), meta('/c', 'y')], at(1));
      await ctx.sut.recordFiles([meta('/a', 'newer')], at(2));
      await ctx.sut.registerBlob(digest('x'), 1, at(3));
      const history = await ctx.sut.fileHistory('host-a', '/a');
      expect(history.map((f) => [f.sha256, f.size])).toEqual([
        [digest('newer'), 5],
        [digest('x'), 1],
      ]);
      expect((await ctx.sut.currentFile('host-a', '/b'))!.size).toBe(1);
      expect((await ctx.sut.currentFile('host-a', '/c'))!.size).toBe(1);
    });

    it('sets the sizes of the records of one digest on demand, saying how many changed', async () => {
      await ctx.sut.recordFiles([meta('/a', 'x', { size: 7 }), meta('/b', 'x', { size: 1 }), meta('/c', 'y', { size: 7 })], at(1));
      expect(await ctx.sut.setFileSizes(digest('x'), 1)).toBe(1);
      expect(await ctx.sut.setFileSizes(digest('x'), 1)).toBe(0);
      expect((await ctx.sut.currentFile('host-a', '/a'))!.size).toBe(1);
      expect((await ctx.sut.currentFile('host-a', '/c'))!.size).toBe(7);
    });

    it('lists every entry in digest order, a page at a time, whatever its state', async () => {
      const shas = ['a', 'b', 'c', 'd', 'e'].map((label) => digest(label)).sort();
      for (const sha of shas) await ctx.sut.registerBlob(sha, 1, at(1));
      await ctx.sut.quarantineBlob(shas[1], at(2));
      await ctx.sut.takeDownBlob(shas[2], 1, at(3));
      const first = await ctx.sut.listBlobs('', 2);
      expect(first.map((e) => e.sha256)).toEqual(shas.slice(0, 2));
      expect(first[1]).toMatchObject({ size: 1, quarantined_at: at(2), deleted_at: null });
      const rest = await ctx.sut.listBlobs(first[1].sha256, 10);
      expect(rest.map((e) => e.sha256)).toEqual(shas.slice(2));
      expect(rest[0]).toMatchObject({ deleted_at: at(3) });
      expect(await ctx.sut.listBlobs(shas[4], 10)).toEqual([]);
      expect(await ctx.sut.listBlobs('', 0)).toEqual([]);
    });

    it('leaves absent digests out of the map', async () => {
      await ctx.sut.registerBlob(digest('a'), 1, at(1));
      await ctx.sut.registerBlob(digest('b'), 2, at(1));
      const found = await ctx.sut.getBlobs([digest('a'), digest('absent'), digest('b')]);
      expect([...found.keys()].sort()).toEqual([digest('a'), digest('b')].sort());
      expect(found.get(digest('b'))!.size).toBe(2);
      expect((await ctx.sut.getBlobs([])).size).toBe(0);
    });
  });
}

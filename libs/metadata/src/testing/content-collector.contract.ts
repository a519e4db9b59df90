import type { Sha256 } from '@app/contracts';
import type { ContentCollector } from '../content-collector';
import type { StatsReader } from '../stats-reader';
import type { RecordsAndRegistry, StoreFactory } from './contract-fixtures';
import { at, digest, meta, useFreshStore } from './contract-fixtures';

type Subject = ContentCollector & RecordsAndRegistry & StatsReader;

const RUN = 'run-1';
/** Claims made at or after this time are fresh to the tests below. */
const CLAIMS_SINCE = at(0);

/** The behaviour every `ContentCollector` adapter must show, with the records and the registry it works on. */
export function describeContentCollectorContract(name: string, factory: StoreFactory<Subject>): void {
  describe(`ContentCollector contract: ${name}`, () => {
    const ctx = useFreshStore(factory);
    const entry = async (sha: Sha256) => (await ctx.sut.registryPage(sha.slice(0, -1), 5)).find((e) => e.sha256 === sha);
    const visible = async (sha: Sha256) => (await ctx.sut.getBlobs([sha])).get(sha);
    /** Condemns, marks removing and removes `sha` as one run of GC does. */
    const collect = async (sha: Sha256) => {
      expect(await ctx.sut.condemn([sha], RUN, at(10))).toEqual([sha]);
      expect(await ctx.sut.markRemoving([sha], RUN, at(11), at(0))).toEqual([sha]);
      return ctx.sut.finishRemoval([sha], RUN);
    };

    it('pages through every entry in digest order, with when it was last stored and its mark', async () => {
      const shas = ['a', 'b', 'c'].map(digest).sort();
      for (const [i, sha] of shas.entries()) await ctx.sut.registerBlob(sha, i + 1, at(i + 1));
      await ctx.sut.takeDownBlob(shas[1], 2, at(5));
      await ctx.sut.registerBlob(shas[2], 3, at(7));
      await ctx.sut.condemn([shas[0]], RUN, at(8));
      expect(await ctx.sut.registryPage('', 2)).toEqual([
        {
          sha256: shas[0],
          size: 1,
          touched_at: at(1),
          taken_down: false,
          quarantined: false,
          mark: { token: RUN, removing: false, at: at(8) },
        },
        { sha256: shas[1], size: 2, touched_at: at(2), taken_down: true, quarantined: false, mark: null },
      ]);
      expect(await ctx.sut.registryPage(shas[1], 10)).toEqual([expect.objectContaining({ sha256: shas[2], touched_at: at(7) })]);
    });

    it('says which digests are held: referenced by any record (history and deleted ones too) or freshly claimed', async () => {
      await ctx.sut.recordFiles([meta('/a', 'old'), meta('/b', 'gone')], at(1));
      await ctx.sut.recordFiles([meta('/a', 'new')], at(2));
      await ctx.sut.markPathsDeleted('host-a', ['/b'], at(3));
      const fresh = await ctx.sut.claimUpload(digest('claimed'), at(5));
      await ctx.sut.claimUpload(digest('stale claim'), at(1));
      const released = await ctx.sut.claimUpload(digest('released'), at(5));
      await ctx.sut.releaseClaim(released.id);
      const asked = ['old', 'new', 'gone', 'claimed', 'stale claim', 'released', 'never'].map(digest);
      expect([...(await ctx.sut.held(asked, at(4)))].sort()).toEqual(['old', 'new', 'gone', 'claimed'].map(digest).sort());
      expect(await ctx.sut.held([], at(4))).toEqual(new Set());
      await ctx.sut.releaseClaim(fresh.id);
      expect(await ctx.sut.held([digest('claimed')], at(4))).toEqual(new Set());
    });

    it('marks only unmarked entries, and a marked entry reads as absent to every other path until the mark goes', async () => {
      const [sha, other] = [digest('condemned'), digest('other')];
      const [recorded] = await ctx.sut.recordFiles([meta('/c', 'condemned', { size: 4 })], at(1));
      await ctx.sut.registerBlob(sha, 4, at(1));
      await ctx.sut.registerBlob(other, 4, at(1));
      expect(await ctx.sut.markFilesSeen('host-a', [recorded.file.id], at(2))).toMatchObject({ uploadRequired: [] });
      expect(await ctx.sut.condemn([sha], RUN, at(3))).toEqual([sha]);
      expect(await ctx.sut.condemn([sha, other], 'run-2', at(4))).toEqual([other]);
      expect(await entry(sha)).toMatchObject({ mark: { token: RUN, removing: false, at: at(3) } });
      expect(await visible(sha)).toBeUndefined();
      expect((await ctx.sut.getBlobs([sha, other])).size).toBe(0);
      expect((await ctx.sut.touchReferenced([sha], at(5))).size).toBe(0);
      expect(await ctx.sut.claimUpload(sha, at(5))).toEqual({ id: expect.any(String), marked: true, entry: null });
      expect(await ctx.sut.markFilesSeen('host-a', [recorded.file.id], at(6))).toMatchObject({ uploadRequired: [recorded.file.id] });
      await ctx.sut.revert([sha, other], RUN);
      expect(await entry(sha)).toMatchObject({ mark: null });
      expect(await entry(other)).toMatchObject({ mark: { token: 'run-2' } });
      expect(await visible(sha)).toMatchObject({ sha256: sha, size: 4 });
      expect(await ctx.sut.markFilesSeen('host-a', [recorded.file.id], at(7))).toMatchObject({ uploadRequired: [] });
    });

    it('removes a condemned entry in two steps, and never reverts one being removed', async () => {
      const sha = digest('unreferenced');
      await ctx.sut.registerBlob(sha, 7, at(1));
      await ctx.sut.condemn([sha], RUN, at(10));
      expect(await ctx.sut.markRemoving([sha, digest('unmarked')], RUN, at(11), at(0))).toEqual([sha]);
      await ctx.sut.revert([sha], RUN);
      expect(await entry(sha)).toMatchObject({ mark: { token: RUN, removing: true, at: at(11) } });
      expect(await ctx.sut.markRemoving([sha], 'run-2', at(12), at(0))).toEqual([]);
      expect(await ctx.sut.finishRemoval([sha], 'run-2')).toBe(0);
      expect(await ctx.sut.finishRemoval([sha], RUN)).toBe(1);
      expect(await entry(sha)).toBeUndefined();
      expect(await ctx.sut.unregistered([sha])).toEqual([sha]);
      expect(await ctx.sut.finishRemoval([sha], RUN)).toBe(0);
    });

    it('keeps, unmarked, an entry taken down while it was being removed', async () => {
      const sha = digest('taken down');
      await ctx.sut.registerBlob(sha, 4, at(1));
      await ctx.sut.condemn([sha], RUN, at(10));
      await ctx.sut.markRemoving([sha], RUN, at(11), at(0));
      await ctx.sut.takeDownBlob(sha, 4, at(12));
      expect(await visible(sha)).toMatchObject({ deleted_at: at(12) });
      expect(await ctx.sut.finishRemoval([sha], RUN)).toBe(0);
      expect(await entry(sha)).toMatchObject({ taken_down: true, mark: null });
    });

    it('takes over a removal an earlier run began before a time, and leaves a later one alone', async () => {
      const [older, newer] = [digest('older'), digest('newer')];
      for (const sha of [older, newer]) await ctx.sut.registerBlob(sha, 1, at(1));
      await ctx.sut.condemn([older, newer], 'dead-run', at(10));
      await ctx.sut.markRemoving([older], 'dead-run', at(11), at(0));
      await ctx.sut.markRemoving([newer], 'dead-run', at(20), at(0));
      expect(await ctx.sut.markRemoving([older, newer], RUN, at(30), at(15))).toEqual([older]);
      expect(await ctx.sut.finishRemoval([older, newer], RUN)).toBe(1);
      expect(await entry(newer)).toMatchObject({ mark: { token: 'dead-run', removing: true, at: at(20) } });
    });

    it('names unregistered digests and adopts them, touched now, with the sizes of their records set', async () => {
      const [known, orphan] = [digest('known'), digest('orphan')];
      await ctx.sut.registerBlob(known, 5, at(1));
      await ctx.sut.recordFiles([meta('/o', 'orphan', { size: 99 })], at(1));
      expect(await ctx.sut.unregistered([known, orphan])).toEqual([orphan]);
      const adopted = await ctx.sut.adopt(
        [
          { sha256: known, size: 9 },
          { sha256: orphan, size: 6 },
        ],
        at(3),
      );
      expect(adopted).toEqual([orphan]);
      expect(await entry(orphan)).toMatchObject({ size: 6, touched_at: at(3), mark: null });
      expect(await visible(orphan)).toMatchObject({ size: 6, created_at: at(3) });
      expect(await visible(known)).toMatchObject({ size: 5 });
      expect((await ctx.sut.currentFile('host-a', '/o'))!.size).toBe(6);
      expect(await ctx.sut.unregistered([])).toEqual([]);
    });

    it('notes a reference at most once a minute, and reads the entries as the registry shows them', async () => {
      const sha = digest('referenced');
      await ctx.sut.registerBlob(sha, 3, at(0));
      const touched = await ctx.sut.touchReferenced([sha, digest('absent')], at(100));
      expect([...touched.entries()]).toEqual([[sha, expect.objectContaining({ size: 3, deleted_at: null, quarantined_at: null })]]);
      expect(await entry(sha)).toMatchObject({ touched_at: at(100) });
      await ctx.sut.touchReferenced([sha], at(130));
      expect(await entry(sha)).toMatchObject({ touched_at: at(100) });
      await ctx.sut.touchReferenced([sha], at(161));
      expect(await entry(sha)).toMatchObject({ touched_at: at(161) });
    });

    it('claims a digest for an upload: the claim is refreshed under its id, and registering touches the entry', async () => {
      const sha = digest('uploaded');
      const claim = await ctx.sut.claimUpload(sha, at(2));
      expect(claim).toEqual({ id: expect.any(String), marked: false, entry: null });
      const again = await ctx.sut.claimUpload(sha, at(9), claim.id);
      expect(again).toEqual({ id: claim.id, marked: false, entry: null });
      expect(await ctx.sut.held([sha], at(5))).toEqual(new Set([sha]));
      await ctx.sut.registerBlob(sha, 8, at(10));
      expect(await ctx.sut.claimUpload(sha, at(11), claim.id)).toEqual({
        id: claim.id,
        marked: false,
        entry: expect.objectContaining({ sha256: sha, size: 8 }),
      });
      expect(await entry(sha)).toMatchObject({ touched_at: at(10) });
      await ctx.sut.releaseClaim(claim.id);
      await ctx.sut.releaseClaim(claim.id);
      expect(await ctx.sut.held([sha], CLAIMS_SINCE)).toEqual(new Set());
      // Registered again after GC removed it: a new entry.
      expect(await collect(sha)).toBe(1);
      expect((await ctx.sut.claimUpload(sha, at(12))).entry).toBeNull();
    });

    it('totals unreferenced and quarantined content', async () => {
      await ctx.sut.recordFiles([meta('/a', 'kept'), meta('/q', 'quarantined')], at(1));
      for (const [content, size] of [
        ['kept', 10],
        ['loose end', 20],
        ['another', 30],
        ['quarantined', 40],
        ['unreferenced quarantined', 50],
        ['down', 60],
      ] as const) {
        await ctx.sut.registerBlob(digest(content), size, at(1));
      }
      await ctx.sut.quarantineBlob(digest('quarantined'), at(2));
      await ctx.sut.quarantineBlob(digest('unreferenced quarantined'), at(2));
      await ctx.sut.takeDownBlob(digest('down'), 60, at(2));
      await ctx.sut.claimUpload(digest('claimed'), at(2));
      expect(await ctx.sut.contentTotals()).toEqual({ unreferenced_blobs: 2, unreferenced_bytes: 50, quarantined_blobs: 2 });
    });
  });
}

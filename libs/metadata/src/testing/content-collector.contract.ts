import type { Sha256 } from '@app/contracts';
import type { ContentCollector } from '../content-collector';
import type { StatsReader } from '../stats-reader';
import type { RecordsAndRegistry, StoreFactory } from './contract-fixtures';
import { at, digest, meta, useFreshStore } from './contract-fixtures';

type Subject = ContentCollector & RecordsAndRegistry & StatsReader;

const RUN = 'run-1';
/** A cutoff and a claim age after everything the tests touch at times 1 to 9, and a take-over point before it. */
const CUTOFF = at(10);
const STALE = at(10);

/** The behaviour every `ContentCollector` adapter must show, with the records and the registry it works on. */
export function describeContentCollectorContract(name: string, factory: StoreFactory<Subject>): void {
  describe(`ContentCollector contract: ${name}`, () => {
    const ctx = useFreshStore(factory);
    const entry = async (sha: Sha256) => (await ctx.sut.registryPage(sha.slice(0, -1), 5)).find((e) => e.sha256 === sha);
    const visible = async (sha: Sha256) => (await ctx.sut.getBlobs([sha])).get(sha);
    /** Condemns, marks removing and removes `sha` as one run of GC does. */
    const collect = async (sha: Sha256) => {
      expect(await ctx.sut.condemn([sha], RUN, CUTOFF, STALE)).toEqual([sha]);
      expect(await ctx.sut.markRemoving([sha], RUN, at(11), at(0))).toEqual([sha]);
      return ctx.sut.finishRemoval([sha], RUN);
    };

    it('pages through every entry in digest order, with when each was last stored or referenced', async () => {
      const shas = ['a', 'b', 'c'].map(digest).sort();
      for (const [i, sha] of shas.entries()) await ctx.sut.registerBlob(sha, i + 1, at(i + 1));
      await ctx.sut.takeDownBlob(shas[1], 2, at(5));
      const page = await ctx.sut.registryPage('', 2);
      expect(page).toEqual([
        {
          sha256: shas[0],
          size: 1,
          touched_at: at(1),
          taken_down: false,
          quarantined: false,
          storing_since: null,
          condemned_by: null,
          removing_since: null,
        },
        expect.objectContaining({ sha256: shas[1], touched_at: at(2), taken_down: true }),
      ]);
      expect((await ctx.sut.registryPage(shas[1], 10)).map((e) => e.sha256)).toEqual([shas[2]]);
    });

    it('says which digests any record references: history and deleted records included', async () => {
      await ctx.sut.recordFiles([meta('/a', 'old'), meta('/b', 'gone')], at(1));
      await ctx.sut.recordFiles([meta('/a', 'new')], at(2));
      await ctx.sut.markPathsDeleted('host-a', ['/b'], at(3));
      const asked = ['old', 'new', 'gone', 'never'].map(digest);
      expect([...(await ctx.sut.referenced(asked))].sort()).toEqual(['old', 'new', 'gone'].map(digest).sort());
      expect(await ctx.sut.referenced([])).toEqual(new Set());
    });

    it('condemns only entries untouched since the cutoff, not taken down, and not freshly claimed by an upload', async () => {
      const [old, touched, down, fresh, stale] = ['old', 'touched', 'down', 'fresh', 'stale'].map(digest);
      await ctx.sut.registerBlob(old, 1, at(1));
      await ctx.sut.registerBlob(touched, 1, at(1));
      await ctx.sut.touchReferenced([touched], at(12));
      await ctx.sut.registerBlob(down, 1, at(1));
      await ctx.sut.takeDownBlob(down, 1, at(2));
      await ctx.sut.claimUpload(fresh, at(1));
      await ctx.sut.claimUpload(fresh, at(10));
      await ctx.sut.claimUpload(stale, at(1));
      const condemned = await ctx.sut.condemn([old, touched, down, fresh, stale, digest('absent')], RUN, at(11), STALE);
      expect(condemned.sort()).toEqual([old, stale].sort());
      expect(await entry(old)).toMatchObject({ condemned_by: RUN, removing_since: null });
      // A condemned entry is still stored and served.
      expect(await visible(old)).toMatchObject({ sha256: old, size: 1 });
    });

    it('removes a condemned entry in two steps: removing hides it, then it is gone', async () => {
      const sha = digest('unreferenced');
      await ctx.sut.registerBlob(sha, 7, at(1));
      await ctx.sut.condemn([sha], RUN, CUTOFF, STALE);
      expect(await ctx.sut.markRemoving([sha], RUN, at(11), at(0))).toEqual([sha]);
      expect(await entry(sha)).toMatchObject({ condemned_by: RUN, removing_since: at(11) });
      expect(await visible(sha)).toBeUndefined();
      expect((await ctx.sut.stats()).blobs).toBe(0);
      expect(await ctx.sut.finishRemoval([sha], RUN)).toBe(1);
      expect(await entry(sha)).toBeUndefined();
      expect(await ctx.sut.finishRemoval([sha], RUN)).toBe(0);
    });

    it('lets a touch after condemning rescue the content: no removal, and the touch answers it available', async () => {
      const sha = digest('rescued');
      await ctx.sut.registerBlob(sha, 3, at(1));
      await ctx.sut.condemn([sha], RUN, CUTOFF, STALE);
      const touched = await ctx.sut.touchReferenced([sha, digest('absent')], at(12));
      expect([...touched.keys()]).toEqual([sha]);
      expect(touched.get(sha)).toMatchObject({ size: 3, deleted_at: null, quarantined_at: null });
      expect(await ctx.sut.markRemoving([sha], RUN, at(13), at(0))).toEqual([]);
      expect(await entry(sha)).toMatchObject({ condemned_by: null, removing_since: null, touched_at: at(12) });
    });

    it('answers a touch after the removal began without the entry, and leaves it removing', async () => {
      const sha = digest('too late');
      await ctx.sut.registerBlob(sha, 3, at(1));
      await ctx.sut.condemn([sha], RUN, CUTOFF, STALE);
      await ctx.sut.markRemoving([sha], RUN, at(11), at(0));
      expect((await ctx.sut.touchReferenced([sha], at(12))).size).toBe(0);
      expect(await entry(sha)).toMatchObject({ condemned_by: RUN, removing_since: at(11), touched_at: at(1) });
      expect(await ctx.sut.registerBlob(sha, 3, at(13))).toMatchObject({ sha256: sha });
      expect(await entry(sha)).toMatchObject({ removing_since: at(11) });
      expect(await ctx.sut.finishRemoval([sha], RUN)).toBe(1);
    });

    it('reverts its own condemnation only, and never a removal', async () => {
      const [a, b] = [digest('a'), digest('b')];
      await ctx.sut.registerBlob(a, 1, at(1));
      await ctx.sut.registerBlob(b, 1, at(1));
      await ctx.sut.condemn([a, b], RUN, CUTOFF, STALE);
      await ctx.sut.markRemoving([b], RUN, at(11), at(0));
      await ctx.sut.revert([a, b], 'another-run');
      expect(await entry(a)).toMatchObject({ condemned_by: RUN });
      await ctx.sut.revert([a, b], RUN);
      expect(await entry(a)).toMatchObject({ condemned_by: null });
      expect(await entry(b)).toMatchObject({ condemned_by: RUN, removing_since: at(11) });
    });

    it('keeps, unmarked, an entry taken down while it was being removed', async () => {
      const sha = digest('taken down');
      await ctx.sut.registerBlob(sha, 4, at(1));
      await ctx.sut.condemn([sha], RUN, CUTOFF, STALE);
      await ctx.sut.markRemoving([sha], RUN, at(11), at(0));
      await ctx.sut.takeDownBlob(sha, 4, at(12));
      expect(await ctx.sut.finishRemoval([sha], RUN)).toBe(0);
      expect(await entry(sha)).toMatchObject({ taken_down: true, condemned_by: null, removing_since: null });
      expect(await visible(sha)).toMatchObject({ deleted_at: at(12) });
    });

    it('takes over a removal an earlier run began, and leaves a newer one alone', async () => {
      const [older, newer] = [digest('older'), digest('newer')];
      for (const sha of [older, newer]) await ctx.sut.registerBlob(sha, 1, at(1));
      await ctx.sut.condemn([older, newer], 'dead-run', CUTOFF, STALE);
      await ctx.sut.markRemoving([older], 'dead-run', at(11), at(0));
      await ctx.sut.markRemoving([newer], 'dead-run', at(20), at(0));
      expect(await ctx.sut.markRemoving([older, newer], RUN, at(30), at(15))).toEqual([older]);
      expect(await ctx.sut.finishRemoval([older, newer], RUN)).toBe(1);
      expect(await entry(newer)).toMatchObject({ condemned_by: 'dead-run', removing_since: at(20) });
    });

    it('names unregistered digests and adopts them, touched now, with the sizes of their records set', async () => {
      const [known, orphan, other] = [digest('known'), digest('orphan'), digest('other')];
      await ctx.sut.registerBlob(known, 5, at(1));
      await ctx.sut.claimUpload(other, at(1));
      await ctx.sut.recordFiles([meta('/o', 'orphan', { size: 99 })], at(1));
      expect(await ctx.sut.unregistered([known, orphan, other])).toEqual([orphan]);
      const adopted = await ctx.sut.adopt(
        [
          { sha256: known, size: 5 },
          { sha256: orphan, size: 6 },
          { sha256: other, size: 1 },
        ],
        at(3),
      );
      expect(adopted).toEqual([orphan]);
      expect(await entry(orphan)).toMatchObject({ size: 6, touched_at: at(3), storing_since: null });
      expect(await visible(orphan)).toMatchObject({ size: 6, created_at: at(3) });
      expect((await ctx.sut.currentFile('host-a', '/o'))!.size).toBe(6);
      expect(await entry(other)).toMatchObject({ storing_since: at(1) });
      expect(await ctx.sut.unregistered([])).toEqual([]);
    });

    it('claims an unknown digest for an upload: hidden while storing, available once settled', async () => {
      const sha = digest('uploaded');
      await ctx.sut.recordFiles([meta('/u', 'uploaded', { size: 42 })], at(1));
      expect(await ctx.sut.claimUpload(sha, at(2))).toEqual({ kind: 'new' });
      expect(await ctx.sut.claimUpload(sha, at(3))).toEqual({ kind: 'storing' });
      expect(await entry(sha)).toMatchObject({ storing_since: at(3), touched_at: at(3) });
      expect(await visible(sha)).toBeUndefined();
      expect((await ctx.sut.stats()).blobs).toBe(0);
      const settled = await ctx.sut.settleUpload(sha, 8, at(4), 'new');
      expect(settled).toMatchObject({ sha256: sha, size: 8, deleted_at: null, quarantined_at: null });
      expect(await visible(sha)).toEqual(settled);
      expect(await entry(sha)).toMatchObject({ storing_since: null, touched_at: at(4) });
      expect((await ctx.sut.currentFile('host-a', '/u'))!.size).toBe(8);
      // The second upload, sharing the claim, settles it again.
      expect(await ctx.sut.settleUpload(sha, 8, at(5), 'storing')).toMatchObject({ size: 8 });
    });

    it('touches and rescues registered content an upload claims, and answers taken-down and removing entries', async () => {
      const [stored, down, removing] = [digest('stored'), digest('down'), digest('removing')];
      for (const sha of [stored, down, removing]) await ctx.sut.registerBlob(sha, 2, at(1));
      await ctx.sut.takeDownBlob(down, 2, at(2));
      await ctx.sut.condemn([stored, removing], RUN, CUTOFF, STALE);
      await ctx.sut.markRemoving([removing], RUN, at(11), at(0));
      expect(await ctx.sut.claimUpload(stored, at(12))).toEqual({ kind: 'stored', entry: expect.objectContaining({ size: 2 }) });
      expect(await entry(stored)).toMatchObject({ condemned_by: null, touched_at: at(12) });
      expect(await ctx.sut.claimUpload(down, at(12))).toEqual({ kind: 'stored', entry: expect.objectContaining({ deleted_at: at(2) }) });
      expect(await ctx.sut.claimUpload(removing, at(12))).toEqual({ kind: 'removing' });
      expect(await entry(removing)).toMatchObject({ removing_since: at(11) });
    });

    it('refuses to settle an upload whose entry GC removed or is removing, or that storing took over', async () => {
      const [gone, removing, recreated] = [digest('gone'), digest('removing'), digest('recreated')];
      for (const sha of [gone, removing, recreated]) await ctx.sut.registerBlob(sha, 2, at(1));
      for (const sha of [gone, removing, recreated]) await ctx.sut.claimUpload(sha, at(2));
      await collect(gone);
      await ctx.sut.condemn([removing], RUN, CUTOFF, STALE);
      await ctx.sut.markRemoving([removing], RUN, at(11), at(0));
      await collect(recreated);
      expect(await ctx.sut.claimUpload(recreated, at(12))).toEqual({ kind: 'new' });
      expect(await ctx.sut.settleUpload(gone, 2, at(13), 'stored')).toBeNull();
      expect(await ctx.sut.settleUpload(removing, 2, at(13), 'stored')).toBeNull();
      expect(await ctx.sut.settleUpload(recreated, 2, at(13), 'stored')).toBeNull();
      expect(await entry(gone)).toBeUndefined();
      expect(await ctx.sut.settleUpload(recreated, 2, at(14), 'new')).toMatchObject({ size: 2 });
    });

    it('says a confirmed record whose content is being removed must be uploaded again', async () => {
      const sha = digest('confirmed');
      const [recorded] = await ctx.sut.recordFiles([meta('/c', 'confirmed', { size: 2 })], at(1));
      await ctx.sut.registerBlob(sha, 2, at(1));
      expect(await ctx.sut.markFilesSeen('host-a', [recorded.file.id], at(2))).toMatchObject({ uploadRequired: [] });
      await ctx.sut.condemn([sha], RUN, CUTOFF, STALE);
      expect(await ctx.sut.markFilesSeen('host-a', [recorded.file.id], at(3))).toMatchObject({ uploadRequired: [] });
      await ctx.sut.markRemoving([sha], RUN, at(11), at(0));
      expect(await ctx.sut.markFilesSeen('host-a', [recorded.file.id], at(12))).toMatchObject({
        uploadRequired: [recorded.file.id],
      });
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
      await ctx.sut.claimUpload(digest('storing'), at(2));
      expect(await ctx.sut.contentTotals()).toEqual({ unreferenced_blobs: 2, unreferenced_bytes: 50, quarantined_blobs: 2 });
    });
  });
}

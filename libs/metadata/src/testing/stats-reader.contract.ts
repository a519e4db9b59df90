import type { StatsReader } from '../stats-reader';
import type { RecordsAndRegistry, StoreFactory } from './contract-fixtures';
import { at, digest, meta, objectVersion, useFreshStore } from './contract-fixtures';

/** The behaviour every `StatsReader` adapter must show, over the records and the registry it totals. */
export function describeStatsReaderContract(name: string, factory: StoreFactory<StatsReader & RecordsAndRegistry>): void {
  describe(`StatsReader contract: ${name}`, () => {
    const ctx = useFreshStore(factory);

    it('counts deduplicated content: two paths with one digest are 2 files, 1 blob, twice the logical bytes', async () => {
      expect(await ctx.sut.stats()).toEqual({ files: 0, hosts: 0, objects: 0, blobs: 0, stored_bytes: 0, logical_bytes: 0 });
      const content = 'x'.repeat(1000);
      await ctx.sut.recordFiles([meta('/a', content), meta('/b', content, { hostname: 'host-b' })], at(1));
      await ctx.sut.registerBlob(digest(content), 1000, at(1));
      expect(await ctx.sut.stats()).toEqual({ files: 2, hosts: 2, objects: 0, blobs: 1, stored_bytes: 1000, logical_bytes: 2000 });
    });

    it('leaves out history, deleted records, and taken-down and quarantined blobs', async () => {
      await ctx.sut.recordFiles([meta('/a', 'old'), meta('/a', 'newer'), meta('/b', 'bb'), meta('/c', 'cc')], at(1));
      await ctx.sut.markPathsDeleted('host-a', ['/b'], at(2));
      await ctx.sut.registerBlob(digest('old'), 3, at(1));
      await ctx.sut.registerBlob(digest('newer'), 5, at(1));
      await ctx.sut.registerBlob(digest('cc'), 2, at(1));
      await ctx.sut.takeDownBlob(digest('old'), 3, at(2));
      await ctx.sut.quarantineBlob(digest('cc'), at(2));
      expect(await ctx.sut.stats()).toEqual({ files: 2, hosts: 1, objects: 0, blobs: 1, stored_bytes: 5, logical_bytes: 7 });
    });

    it('counts objects apart from files, buckets not as hosts, and their bytes as logical bytes', async () => {
      await ctx.sut.recordFiles([meta('/a', 'aaaa', { hostname: 'web' })], at(1));
      await ctx.sut.recordFiles(
        [objectVersion('k', 'aaaa', {}, 'web'), objectVersion('k', 'bb', {}, 'web'), objectVersion('x', 'c', {}, 'jobs')],
        at(1),
      );
      await ctx.sut.recordFiles([objectVersion('gone', 'ddd', {}, 'jobs')], at(1));
      await ctx.sut.markPathsDeleted('jobs', ['gone'], at(2), 'bucket');
      await ctx.sut.registerBlob(digest('aaaa'), 4, at(1));
      expect(await ctx.sut.stats()).toEqual({ files: 1, hosts: 1, objects: 2, blobs: 1, stored_bytes: 4, logical_bytes: 7 });
    });
  });
}

import type { StatsReader } from '../stats-reader';
import type { TenantContent } from '../tenant-content';
import type { RecordsAndRegistry, StoreFactory } from './contract-fixtures';
import { at, digest, meta, objectVersion, useFreshStore } from './contract-fixtures';

/** The behaviour every `TenantContent` adapter must show, over the records and the registry it reads. */
export function describeTenantContentContract(name: string, factory: StoreFactory<TenantContent & StatsReader & RecordsAndRegistry>): void {
  describe(`TenantContent contract: ${name}`, () => {
    const ctx = useFreshStore(factory);
    const [a, b, c, o] = [digest('a'), digest('b'), digest('c'), digest('o')];

    it('finds content referenced under the tenants by any version, deleted or not, and by host or bucket as named', async () => {
      await ctx.sut.recordFiles([meta('/x', 'a', { hostname: 'lab-1' }), meta('/y', 'b', { hostname: 'lab-2' })], at(1));
      await ctx.sut.recordFiles([meta('/x', 'c', { hostname: 'lab-1' })], at(2));
      await ctx.sut.markPathsDeleted('lab-1', ['/x'], at(3));
      await ctx.sut.recordFiles([objectVersion('k', 'o', {}, 'photos')], at(1));
      const all = [a, b, c, o];
      expect(await ctx.sut.referencedWithin(all, { hostnames: ['lab-1'], buckets: [] })).toEqual(new Set([a, c]));
      expect(await ctx.sut.referencedWithin(all, { hostnames: ['lab-2'], buckets: ['photos'] })).toEqual(new Set([b, o]));
      // A bucket is not a host of the same name, nor the other way round.
      expect(await ctx.sut.referencedWithin(all, { hostnames: ['photos'], buckets: ['lab-1'] })).toEqual(new Set());
      expect(await ctx.sut.referencedWithin([], { hostnames: ['lab-1'], buckets: [] })).toEqual(new Set());
      expect(await ctx.sut.referencedWithin(all, { hostnames: [], buckets: [] })).toEqual(new Set());
    });

    it('keeps proofs per tenant, once however often given, and finds them by any of the tenants', async () => {
      await ctx.sut.proveContent(a, { hostnames: ['lab-1'], buckets: ['photos'] }, at(1));
      await ctx.sut.proveContent(a, { hostnames: ['lab-1'], buckets: [] }, at(2));
      await Promise.all([
        ctx.sut.proveContent(b, { hostnames: ['lab-2'], buckets: [] }, at(3)),
        ctx.sut.proveContent(b, { hostnames: ['lab-2'], buckets: [] }, at(3)),
      ]);
      expect(await ctx.sut.provenWithin([a, b, c], { hostnames: ['lab-1'], buckets: [] })).toEqual(new Set([a]));
      expect(await ctx.sut.provenWithin([a, b, c], { hostnames: [], buckets: ['photos'] })).toEqual(new Set([a]));
      expect(await ctx.sut.provenWithin([a, b, c], { hostnames: ['lab-2', 'lab-9'], buckets: [] })).toEqual(new Set([b]));
      // A host and a bucket of one name are different tenants.
      expect(await ctx.sut.provenWithin([a, b], { hostnames: ['photos'], buckets: ['lab-1'] })).toEqual(new Set());
      expect(await ctx.sut.provenWithin([], { hostnames: ['lab-1'], buckets: [] })).toEqual(new Set());
    });

    it('totals the current records under the tenants and the content they name, once per digest', async () => {
      await ctx.sut.recordFiles(
        [
          meta('/1', 'aaaa', { hostname: 'lab-1' }),
          meta('/2', 'aaaa', { hostname: 'lab-1' }),
          meta('/3', 'bb', { hostname: 'lab-2' }),
          meta('/4', 'ccc', { hostname: 'other' }),
          meta('/gone', 'ccc', { hostname: 'lab-1' }),
        ],
        at(1),
      );
      await ctx.sut.markPathsDeleted('lab-1', ['/gone'], at(2));
      await ctx.sut.recordFiles([objectVersion('k', 'o', {}, 'photos'), objectVersion('k', 'ccc', {}, 'elsewhere')], at(1));
      await ctx.sut.registerBlob(digest('aaaa'), 4, at(1));
      await ctx.sut.registerBlob(digest('bb'), 2, at(1));
      await ctx.sut.registerBlob(digest('ccc'), 3, at(1));
      await ctx.sut.registerBlob(digest('o'), 1, at(1));
      await ctx.sut.quarantineBlob(digest('bb'), at(2));
      expect(await ctx.sut.statsWithin({ hostnames: ['lab-1', 'lab-2'], buckets: ['photos'] })).toEqual({
        files: 3,
        hosts: 2,
        objects: 1,
        blobs: 2,
        stored_bytes: 5,
        logical_bytes: 11,
        quarantined_blobs: 1,
      });
      expect(await ctx.sut.statsWithin({ hostnames: ['nobody'], buckets: [] })).toEqual({
        files: 0,
        hosts: 0,
        objects: 0,
        blobs: 0,
        stored_bytes: 0,
        logical_bytes: 0,
        quarantined_blobs: 0,
      });
    });
  });
}

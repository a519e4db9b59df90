import type { FileRecordStore } from '../file-record-store';
import type { RecordPruner } from '../record-pruner';
import type { StoreFactory } from './contract-fixtures';
import { at, meta, objectVersion, useFreshStore } from './contract-fixtures';

/** What the pruner suite needs: the records to make, and the pruner to remove them. */
export type RecordsAndPruner = FileRecordStore & RecordPruner;

/** The behaviour every `RecordPruner` adapter must show. */
export function describeRecordPrunerContract(name: string, factory: StoreFactory<RecordsAndPruner>): void {
  describe(`RecordPruner contract: ${name}`, () => {
    const ctx = useFreshStore(factory);

    /** host-a:/a in three versions, host-a:/b in one (deleted at 10), host-b:/a in two. */
    async function seed() {
      for (let v = 1; v <= 3; v++) await ctx.sut.recordFiles([meta('/a', `a${v}`)], at(v));
      await ctx.sut.recordFiles([meta('/b', 'b1')], at(4));
      await ctx.sut.markPathsDeleted('host-a', ['/b'], at(10));
      for (let v = 1; v <= 2; v++) await ctx.sut.recordFiles([meta('/a', `ba${v}`, { hostname: 'host-b' })], at(4 + v));
    }

    const history = async (hostname: string, filepath: string) => (await ctx.sut.fileHistory(hostname, filepath)).map((f) => f.version);

    it('walks every path in order with its versions newest first, from where it stopped, never splitting a path', async () => {
      await seed();
      expect(await ctx.sut.countVersions()).toBe(6);
      const all = await ctx.sut.pathVersions(null, 100);
      expect(all.map((p) => [p.namespace, p.hostname, p.filepath, p.versions.map((v) => v.version)])).toEqual([
        ['host', 'host-a', '/a', [3, 2, 1]],
        ['host', 'host-a', '/b', [1]],
        ['host', 'host-b', '/a', [2, 1]],
      ]);
      const [a] = all;
      const full = await ctx.sut.fileHistory('host-a', '/a');
      expect(a.versions).toEqual(full.map((f) => ({ id: f.id, version: f.version, first_seen_at: f.first_seen_at, deleted_at: null })));
      expect(all[1].versions[0].deleted_at).toEqual(at(10));
      expect((await ctx.sut.pathVersions(null, 2)).map((p) => [p.filepath, p.versions.length])).toEqual([['/a', 3]]);
      const next = await ctx.sut.pathVersions({ namespace: 'host', hostname: 'host-a', filepath: '/a' }, 1);
      expect(next.map((p) => [p.hostname, p.filepath])).toEqual([['host-a', '/b']]);
      const last = await ctx.sut.pathVersions({ namespace: 'host', hostname: 'host-a', filepath: '/b' }, 1);
      expect(last.map((p) => [p.hostname, p.filepath, p.versions.length])).toEqual([['host-b', '/a', 2]]);
      expect(await ctx.sut.pathVersions({ namespace: 'host', hostname: 'host-b', filepath: '/a' }, 10)).toEqual([]);
    });

    it('walks objects apart from a host of the same name: each path in its namespace, forgotten on its own', async () => {
      await seed();
      // The bucket `host-a` holds an object under the key `/b`, the very name of host-a's deleted file.
      await ctx.sut.recordFiles([objectVersion('/b', 'o1', {}, 'host-a')], at(7));
      await ctx.sut.recordFiles([objectVersion('/b', 'o2', {}, 'host-a')], at(8));
      const all = await ctx.sut.pathVersions(null, 100);
      expect(all.map((p) => [p.namespace, p.hostname, p.filepath, p.versions.map((v) => v.version)])).toEqual([
        ['bucket', 'host-a', '/b', [2, 1]],
        ['host', 'host-a', '/a', [3, 2, 1]],
        ['host', 'host-a', '/b', [1]],
        ['host', 'host-b', '/a', [2, 1]],
      ]);
      const afterObject = await ctx.sut.pathVersions({ namespace: 'bucket', hostname: 'host-a', filepath: '/b' }, 1);
      expect(afterObject.map((p) => [p.namespace, p.filepath])).toEqual([['host', '/a']]);
      expect(await ctx.sut.forgetDeletedPath({ namespace: 'host', hostname: 'host-a', filepath: '/b' }, at(10))).toBe(1);
      expect((await ctx.sut.fileHistory('host-a', '/b', 'bucket')).map((f) => f.version)).toEqual([2, 1]);
      expect(await ctx.sut.countVersions()).toBe(7);
    });

    it('removes old versions and deleted ones, never the current version of a live path, saying which it removed', async () => {
      await seed();
      const [a, b] = await ctx.sut.pathVersions(null, 100);
      const [v3, v2, v1] = a.versions.map((v) => v.id);
      const removed = await ctx.sut.removeVersions([v1, v3, b.versions[0].id, 'not-an-id', '999999999', 'ffffffffffffffffffffffff']);
      expect(removed.sort()).toEqual([v1, b.versions[0].id].sort());
      expect(await history('host-a', '/a')).toEqual([3, 2]);
      expect(await history('host-a', '/b')).toEqual([]);
      expect((await ctx.sut.currentFile('host-a', '/a'))!.id).toBe(v3);
      expect(await ctx.sut.getFile(v1)).toBeNull();
      expect(await ctx.sut.removeVersions([v2, v2])).toEqual([v2]);
      expect(await ctx.sut.removeVersions([])).toEqual([]);
      expect(await ctx.sut.countVersions()).toBe(3);
      // A new version after the removals still gets the next number.
      const [again] = await ctx.sut.recordFiles([meta('/a', 'a4')], at(20));
      expect(again.file.version).toBe(4);
    });

    it('forgets every version of a path still deleted as it was seen, and leaves a path recorded again alone', async () => {
      await seed();
      await ctx.sut.recordFiles([meta('/c', 'c1')], at(5));
      await ctx.sut.recordFiles([meta('/c', 'c2')], at(6));
      await ctx.sut.markPathsDeleted('host-a', ['/c'], at(11));
      expect(await ctx.sut.forgetDeletedPath({ namespace: 'host', hostname: 'host-a', filepath: '/c' }, at(12))).toBe(0);
      expect(await ctx.sut.forgetDeletedPath({ namespace: 'host', hostname: 'host-a', filepath: '/a' }, at(11))).toBe(0);
      expect(await ctx.sut.forgetDeletedPath({ namespace: 'host', hostname: 'host-a', filepath: '/c' }, at(11))).toBe(2);
      expect(await history('host-a', '/c')).toEqual([]);
      expect(await ctx.sut.forgetDeletedPath({ namespace: 'host', hostname: 'host-a', filepath: '/c' }, at(11))).toBe(0);

      await ctx.sut.recordFiles([meta('/b', 'b2')], at(12));
      expect(await ctx.sut.forgetDeletedPath({ namespace: 'host', hostname: 'host-a', filepath: '/b' }, at(10))).toBe(0);
      expect(await history('host-a', '/b')).toEqual([2, 1]);
      expect(await ctx.sut.countVersions()).toBe(7);
    });
  });
}

import type { RecordsAndRegistry, StoreFactory } from './contract-fixtures';
import { at, digest, meta, objectVersion, useFreshStore } from './contract-fixtures';

/**
 * Objects as versions in the `bucket` namespace of the same records as hosts' files: every write a version, a
 * namespace of their own, plain string prefixes, lifetimes and delete-once.
 */
export function describeObjectRecordsContract(factory: StoreFactory<RecordsAndRegistry>): void {
  const ctx = useFreshStore(factory);

  describe('object versions', () => {
    it('records every write as a new version with its own fields, the same content included', async () => {
      const first = objectVersion('jobs/1.zip', 'zip', { content_type: 'application/zip', metadata: { owner: 'w-1' } });
      const [v1] = await ctx.sut.recordFiles([first], at(1));
      const [v2] = await ctx.sut.recordFiles(
        [objectVersion('jobs/1.zip', 'zip', { expires_at: at(100), delete_after_download: true })],
        at(2),
      );
      expect([v1.status, v2.status]).toEqual(['created', 'created']);
      expect(v1.file).toEqual({
        id: expect.any(String),
        hostname: 'bucket-a',
        filepath: 'jobs/1.zip',
        version: 1,
        sha256: digest('zip'),
        size: 3,
        mode: null,
        uid: null,
        gid: null,
        mtime: null,
        atime: null,
        ctime: null,
        ip_address: null,
        first_seen_at: at(1),
        last_seen_at: at(1),
        deleted_at: null,
        type: 'file',
        link_target: null,
        namespace: 'bucket',
        object: { content_type: 'application/zip', metadata: { owner: 'w-1' }, expires_at: null, delete_after_download: false },
      });
      expect(await ctx.sut.getFile(v1.file.id)).toEqual(v1.file);
      expect(v2.file).toMatchObject({ version: 2, object: { expires_at: at(100), delete_after_download: true, metadata: {} } });
      expect(await ctx.sut.fileHistory('bucket-a', 'jobs/1.zip', 'bucket')).toEqual([v2.file, { ...v1.file }]);
      expect(await ctx.sut.currentFile('bucket-a', 'jobs/1.zip', 'bucket')).toEqual(v2.file);
    });

    it('keeps a host and a bucket of one name apart in every query', async () => {
      const [file] = await ctx.sut.recordFiles([meta('shared/k', 'file', { hostname: 'same' })], at(1));
      const [object] = await ctx.sut.recordFiles([objectVersion('shared/k', 'object', {}, 'same')], at(2));
      expect([file.file.version, object.file.version]).toEqual([1, 1]);
      expect(await ctx.sut.currentFile('same', 'shared/k')).toEqual(file.file);
      expect(await ctx.sut.currentFile('same', 'shared/k', 'bucket')).toEqual(object.file);
      expect((await ctx.sut.fileHistory('same', 'shared/k')).map((f) => f.id)).toEqual([file.file.id]);
      expect((await ctx.sut.listFiles({ includeDeleted: true, limit: 10 })).items.map((f) => f.id)).toEqual([file.file.id]);
      expect((await ctx.sut.listFiles({ namespace: 'bucket', includeDeleted: true, limit: 10 })).items.map((f) => f.id)).toEqual([
        object.file.id,
      ]);
      expect(await ctx.sut.markFilesSeen('same', [object.file.id, file.file.id], at(3))).toMatchObject({
        seen: 1,
        stale: [object.file.id],
      });
      expect(await ctx.sut.markPathsDeleted('same', ['shared/k'], at(4))).toBe(1);
      expect(await ctx.sut.currentFile('same', 'shared/k', 'bucket')).toEqual(object.file);
      expect(await ctx.sut.markPathsDeleted('same', ['shared/k'], at(5), 'bucket')).toBe(1);
      expect(await ctx.sut.currentFile('same', 'shared/k', 'bucket')).toBeNull();
    });

    it('lists a bucket by plain string prefix, page by page, every object once', async () => {
      const names = ['ws/a/1', 'ws/a/2', 'ws/ab', 'ws/b/1', 'other/1', ...Array.from({ length: 20 }, (_, i) => `ws/many/${i}`)];
      await ctx.sut.recordFiles(
        names.map((k) => objectVersion(k, k)),
        at(1),
      );
      await ctx.sut.recordFiles([objectVersion('ws/a/1', 'other bucket', {}, 'bucket-b')], at(1));
      const under = async (pathPrefix: string) =>
        (await ctx.sut.listFiles({ namespace: 'bucket', hostname: 'bucket-a', pathPrefix, includeDeleted: false, limit: 100 })).items.map(
          (f) => f.filepath,
        );
      expect(await under('ws/a')).toEqual(['ws/a/1', 'ws/a/2', 'ws/ab']);
      expect(await under('ws/a/')).toEqual(['ws/a/1', 'ws/a/2']);
      expect(await under('ws/a/1')).toEqual(['ws/a/1']);
      expect(await under('nothing')).toEqual([]);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await ctx.sut.listFiles({
          namespace: 'bucket',
          hostname: 'bucket-a',
          pathPrefix: 'ws/',
          includeDeleted: false,
          limit: 6,
          cursor,
        });
        seen.push(...page.items.map((f) => f.filepath));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(names.filter((k) => k.startsWith('ws/')));
    });

    it('deletes under a plain string prefix in one bucket only', async () => {
      await ctx.sut.recordFiles(
        ['ws/x/1', 'ws/x/2', 'ws/xy', 'ws/y'].map((k) => objectVersion(k, k)),
        at(1),
      );
      await ctx.sut.recordFiles([objectVersion('ws/x/1', 'b', {}, 'bucket-b'), meta('ws/x/1', 'host', { hostname: 'bucket-a' })], at(1));
      expect(await ctx.sut.markPrefixDeleted('bucket-a', 'ws/x', at(2), 'bucket')).toBe(3);
      expect(await ctx.sut.markPrefixDeleted('bucket-a', 'ws/x', at(3), 'bucket')).toBe(0);
      const live = await ctx.sut.listFiles({ namespace: 'bucket', includeDeleted: false, limit: 10 });
      expect(live.items.map((f) => `${f.hostname}:${f.filepath}`)).toEqual(['bucket-a:ws/y', 'bucket-b:ws/x/1']);
      expect(await ctx.sut.currentFile('bucket-a', 'ws/x/1')).not.toBeNull();
    });

    it('leaves expired objects out of listings that give the time, as deleted ones, unless deleted ones are asked for', async () => {
      await ctx.sut.recordFiles(
        [objectVersion('a', 'a', { expires_at: at(10) }), objectVersion('b', 'b', { expires_at: at(20) }), objectVersion('c', 'c')],
        at(1),
      );
      const list = async (now: Date, includeDeleted = false) =>
        (await ctx.sut.listFiles({ namespace: 'bucket', now, includeDeleted, limit: 10 })).items.map((f) => f.filepath);
      expect(await list(at(5))).toEqual(['a', 'b', 'c']);
      expect(await list(at(10))).toEqual(['b', 'c']);
      expect(await list(at(25))).toEqual(['c']);
      expect(await list(at(25), true)).toEqual(['a', 'b', 'c']);
    });
  });

  describe('object queries', () => {
    it('finds the newest version, deleted or not, or a given one; null when there is none', async () => {
      await ctx.sut.recordFiles([objectVersion('k', 'one')], at(1));
      const [two] = await ctx.sut.recordFiles([objectVersion('k', 'two')], at(2));
      expect(await ctx.sut.objectVersion('bucket-a', 'k')).toEqual(two.file);
      expect((await ctx.sut.objectVersion('bucket-a', 'k', 1))!.sha256).toBe(digest('one'));
      expect(await ctx.sut.objectVersion('bucket-a', 'k', 3)).toBeNull();
      expect(await ctx.sut.objectVersion('bucket-a', 'never')).toBeNull();
      expect(await ctx.sut.objectVersion('bucket-b', 'k')).toBeNull();
      await ctx.sut.markPathsDeleted('bucket-a', ['k'], at(3), 'bucket');
      expect(await ctx.sut.objectVersion('bucket-a', 'k')).toMatchObject({ version: 2, deleted_at: at(3) });
      await ctx.sut.recordFiles([meta('/only-a-file', 'f', { hostname: 'bucket-a' })], at(4));
      expect(await ctx.sut.objectVersion('bucket-a', '/only-a-file')).toBeNull();
    });

    it('deletes a version once: of concurrent callers exactly one wins; never a host file', async () => {
      const [v] = await ctx.sut.recordFiles([objectVersion('once', 'x', { delete_after_download: true })], at(1));
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => ctx.sut.deleteVersionOnce(v.file.id, at(2 + i))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await ctx.sut.getFile(v.file.id))!.deleted_at).not.toBeNull();
      expect(await ctx.sut.deleteVersionOnce(v.file.id, at(20))).toBe(false);
      const [file] = await ctx.sut.recordFiles([meta('/f', 'f')], at(1));
      expect(await ctx.sut.deleteVersionOnce(file.file.id, at(2))).toBe(false);
      expect((await ctx.sut.getFile(file.file.id))!.deleted_at).toBeNull();
      for (const bad of ['', 'nope', '0', 'ffffffffffffffffffffffff']) expect(await ctx.sut.deleteVersionOnce(bad, at(3))).toBe(false);
    });

    it('marks expired versions deleted, at most `limit` at a time, oldest expiry first', async () => {
      await ctx.sut.recordFiles(
        [
          objectVersion('e1', '1', { expires_at: at(30) }),
          objectVersion('e2', '2', { expires_at: at(10) }),
          objectVersion('e3', '3', { expires_at: at(20) }),
          objectVersion('later', '4', { expires_at: at(1000) }),
          objectVersion('never', '5'),
        ],
        at(1),
      );
      expect(await ctx.sut.markExpiredDeleted(at(50), 2)).toBe(2);
      const deleted = async () =>
        (await ctx.sut.listFiles({ namespace: 'bucket', includeDeleted: true, limit: 10 })).items
          .filter((f) => f.deleted_at !== null)
          .map((f) => f.filepath);
      expect(await deleted()).toEqual(['e2', 'e3']);
      expect(await ctx.sut.markExpiredDeleted(at(50), 2)).toBe(1);
      expect(await ctx.sut.markExpiredDeleted(at(50), 2)).toBe(0);
      expect(await deleted()).toEqual(['e1', 'e2', 'e3']);
      expect((await ctx.sut.objectVersion('bucket-a', 'e1'))!.deleted_at).toEqual(at(50));
      expect(await ctx.sut.currentFile('bucket-a', 'later', 'bucket')).not.toBeNull();
    });

    it('lists objects among the clones of their content, and never takes one for the epoch', async () => {
      const [object] = await ctx.sut.recordFiles([objectVersion('k', 'shared')], at(1));
      expect(await ctx.sut.epochFile(digest('shared'))).toBeNull();
      const [file] = await ctx.sut.recordFiles([meta('/f', 'shared')], at(2));
      expect((await ctx.sut.filesWithContent(digest('shared'))).map((f) => [f.namespace, f.id])).toEqual([
        ['bucket', object.file.id],
        ['host', file.file.id],
      ]);
      expect(await ctx.sut.epochFile(digest('shared'))).toEqual(file.file);
    });

    it('sets the size of object versions when their content is registered, as of files', async () => {
      const [object] = await ctx.sut.recordFiles([objectVersion('k', 'abc')], at(1));
      await ctx.sut.registerBlob(digest('abc'), 3, at(2));
      expect(await ctx.sut.setFileSizes(digest('abc'), 7)).toBe(1);
      expect((await ctx.sut.getFile(object.file.id))!.size).toBe(7);
    });
  });
}

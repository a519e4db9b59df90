import { HoardError } from '@app/contracts';
import type { FileQuery, StoredFile } from '../metadata-types';
import type { FileRecordStore } from '../file-record-store';
import type { StoreFactory } from './contract-fixtures';
import { at, digest, meta, useFreshStore } from './contract-fixtures';

/** Queries over current versions: filters, pagination, clones and the epoch record. */
export function describeFileListingContract(factory: StoreFactory<FileRecordStore>): void {
  const ctx = useFreshStore(factory);

  async function listAll(query: Omit<FileQuery, 'limit' | 'cursor'>, limit: number, between?: (page: number) => Promise<void>) {
    const seen: StoredFile[] = [];
    let cursor: string | undefined;
    for (let page = 0; ; page++) {
      const result = await ctx.sut.listFiles({ ...query, limit, cursor });
      expect(result.items.length).toBeLessThanOrEqual(limit);
      seen.push(...result.items);
      if (result.nextCursor === null) return seen;
      expect(result.items).toHaveLength(limit);
      cursor = result.nextCursor;
      await between?.(page);
    }
  }

  describe('listFiles', () => {
    beforeEach(async () => {
      await ctx.sut.recordFiles(
        [
          meta('/srv/a%b/1', 'one'),
          meta('/srv/axb/2', 'two'),
          meta('/srv/a%b/3', 'three'),
          meta('/srv/a%b/3', 'three-v2'),
          meta('/srv/a%b/gone', 'gone'),
          meta('/srv/a%b/1', 'one', { hostname: 'host-b' }),
        ],
        at(1),
      );
      await ctx.sut.markPathsDeleted('host-a', ['/srv/a%b/gone'], at(2));
    });

    const paths = (page: { items: StoredFile[] }) => page.items.map((f) => `${f.hostname}:${f.filepath}:v${f.version}`);

    it('lists current, live versions ordered by id', async () => {
      const page = await ctx.sut.listFiles({ includeDeleted: false, limit: 100 });
      expect(paths(page)).toEqual(['host-a:/srv/a%b/1:v1', 'host-a:/srv/axb/2:v1', 'host-a:/srv/a%b/3:v2', 'host-b:/srv/a%b/1:v1']);
      expect(page.nextCursor).toBeNull();
    });

    it('includes deleted current versions when asked', async () => {
      const page = await ctx.sut.listFiles({ includeDeleted: true, limit: 100, hostname: 'host-a' });
      expect(paths(page)).toEqual(['host-a:/srv/a%b/1:v1', 'host-a:/srv/axb/2:v1', 'host-a:/srv/a%b/3:v2', 'host-a:/srv/a%b/gone:v1']);
      expect(page.items[3].deleted_at).toEqual(at(2));
    });

    it('takes a path prefix as a directory or a file, never as a string prefix', async () => {
      const paths = ['/t/tree', '/t/tree/a', '/t/tree/b/c', '/t/tree2/x', '/t/treeX', '/t/tre'];
      await ctx.sut.recordFiles(
        paths.map((p) => meta(p, p, { hostname: 'host-t' })),
        at(3),
      );
      const under = async (pathPrefix: string) =>
        (await ctx.sut.listFiles({ includeDeleted: false, limit: 100, hostname: 'host-t', pathPrefix })).items.map((f) => f.filepath);
      expect(await under('/t/tree')).toEqual(['/t/tree', '/t/tree/a', '/t/tree/b/c']);
      expect(await under('/t/tree/')).toEqual(['/t/tree/a', '/t/tree/b/c']);
      expect(await under('/t/tree/a')).toEqual(['/t/tree/a']);
      expect(await under('/t/tre')).toEqual(['/t/tre']);
      expect(await under('/')).toEqual(paths);
      expect(await under('/t/nothing')).toEqual([]);
    });

    it('filters by hostname, literal path prefix and digest', async () => {
      expect(paths(await ctx.sut.listFiles({ includeDeleted: false, limit: 100, hostname: 'host-b' }))).toEqual(['host-b:/srv/a%b/1:v1']);
      expect(paths(await ctx.sut.listFiles({ includeDeleted: false, limit: 100, hostname: 'host-a', pathPrefix: '/srv/a%b/' }))).toEqual([
        'host-a:/srv/a%b/1:v1',
        'host-a:/srv/a%b/3:v2',
      ]);
      expect(paths(await ctx.sut.listFiles({ includeDeleted: false, limit: 100, pathPrefix: '/srv/a_b' }))).toEqual([]);
      expect(paths(await ctx.sut.listFiles({ includeDeleted: false, limit: 100, sha256: digest('one') }))).toEqual([
        'host-a:/srv/a%b/1:v1',
        'host-b:/srv/a%b/1:v1',
      ]);
      expect(paths(await ctx.sut.listFiles({ includeDeleted: false, limit: 100, sha256: digest('three') }))).toEqual([]);
    });

    it('filters by a set of hostnames, alone or with one hostname (both hold), none when empty', async () => {
      const list = (query: Partial<FileQuery>) => ctx.sut.listFiles({ includeDeleted: false, limit: 100, ...query });
      expect(paths(await list({ hostnames: ['host-b', 'host-z'] }))).toEqual(['host-b:/srv/a%b/1:v1']);
      expect(paths(await list({ hostnames: ['host-a', 'host-b'], sha256: digest('one') }))).toEqual([
        'host-a:/srv/a%b/1:v1',
        'host-b:/srv/a%b/1:v1',
      ]);
      expect(paths(await list({ hostnames: ['host-b'], hostname: 'host-a' }))).toEqual([]);
      expect(paths(await list({ hostnames: ['host-b'], hostname: 'host-b' }))).toEqual(['host-b:/srv/a%b/1:v1']);
      expect(paths(await list({ hostnames: [] }))).toEqual([]);
      expect(paths(await list({ hostnames: ['host-b'], at: at(1) }))).toEqual(['host-b:/srv/a%b/1:v1']);
    });

    it('pages through 250 records with limit 7, every item once, also when records are added between pages', async () => {
      const batch = Array.from({ length: 250 }, (_, i) => meta(`/p/${String(i).padStart(3, '0')}`, `c${i % 40}`, { hostname: 'pager' }));
      await ctx.sut.recordFiles(batch, at(3));
      const inOneCall = await ctx.sut.listFiles({ includeDeleted: false, limit: 1000, hostname: 'pager' });
      expect(inOneCall.items).toHaveLength(250);

      const paged = await listAll({ includeDeleted: false, hostname: 'pager' }, 7);
      expect(paged.map((f) => f.id)).toEqual(inOneCall.items.map((f) => f.id));

      let added = 0;
      const withAdds = await listAll({ includeDeleted: false, hostname: 'pager' }, 7, async (page) => {
        if (page % 5 !== 0) return;
        await ctx.sut.recordFiles([meta(`/p/new-${page}`, `n${page}`, { hostname: 'pager' })], at(4 + page));
        added++;
      });
      const ids = withAdds.map((f) => f.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.slice(0, 250)).toEqual(inOneCall.items.map((f) => f.id));
      expect(withAdds.slice(250).map((f) => f.filepath)).toHaveLength(added);
    });

    it('rejects a malformed cursor with invalid_request', async () => {
      for (const cursor of ['not a cursor', '!!!', Buffer.from('abc').toString('base64url'), '']) {
        const error = await ctx.sut.listFiles({ includeDeleted: false, limit: 5, cursor }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(HoardError);
        expect((error as HoardError).code).toBe('invalid_request');
      }
    });
  });

  describe('content queries', () => {
    it('lists the live current records of a digest with the epoch first, and keeps the epoch when it is deleted', async () => {
      const [first] = await ctx.sut.recordFiles([meta('/first', 'shared')], at(1));
      await ctx.sut.recordFiles([meta('/other', 'different')], at(2));
      const [second] = await ctx.sut.recordFiles([meta('/second', 'shared', { hostname: 'host-b' })], at(3));
      const [third] = await ctx.sut.recordFiles([meta('/third', 'shared')], at(4));
      expect((await ctx.sut.filesWithContent(digest('shared'))).map((f) => f.id)).toEqual([first.file.id, second.file.id, third.file.id]);
      expect(await ctx.sut.epochFile(digest('shared'))).toEqual(first.file);

      await ctx.sut.markFileDeleted(first.file.id, at(5));
      expect((await ctx.sut.filesWithContent(digest('shared'))).map((f) => f.id)).toEqual([second.file.id, third.file.id]);
      expect((await ctx.sut.epochFile(digest('shared')))!.id).toBe(first.file.id);
    });

    it('answers nothing for content never recorded', async () => {
      expect(await ctx.sut.filesWithContent(digest('nothing'))).toEqual([]);
      expect(await ctx.sut.epochFile(digest('nothing'))).toBeNull();
      expect(await ctx.sut.currentFile('host-a', '/nothing')).toBeNull();
      expect(await ctx.sut.fileHistory('host-a', '/nothing')).toEqual([]);
    });
  });
}

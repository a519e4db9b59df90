import type { FileQuery, StoredFile } from '../metadata-types';
import type { FileRecordStore } from '../file-record-store';
import type { StoreFactory } from './contract-fixtures';
import { at, digest, meta, useFreshStore } from './contract-fixtures';

/** `listFiles` with `at`: each path as it was at a time (the version current then). */
export function describeFileTimeContract(factory: StoreFactory<FileRecordStore>): void {
  const ctx = useFreshStore(factory);
  const list = async (query: Partial<FileQuery>) => (await ctx.sut.listFiles({ includeDeleted: false, limit: 1000, ...query })).items;
  const versions = (items: StoredFile[]) => items.map((f) => `${f.filepath}:v${f.version}`);

  describe('listFiles at a time', () => {
    beforeEach(async () => {
      await ctx.sut.recordFiles([meta('/d/a', 'a1'), meta('/d/b', 'b1'), meta('/d/gone', 'g'), meta('/e/x', 'x')], at(10));
      await ctx.sut.recordFiles([meta('/d/a', 'a2')], at(20));
      await ctx.sut.markPathsDeleted('host-a', ['/d/b'], at(30));
      await ctx.sut.recordFiles([meta('/d/new', 'n')], at(40));
      await ctx.sut.markPathsDeleted('host-a', ['/d/gone'], at(50));
      await ctx.sut.recordFiles([meta('/d/gone', 'g')], at(60));
    });

    it('gives the version current then, paths deleted since included, paths first seen since left out', async () => {
      expect(versions(await list({ at: at(15) }))).toEqual(['/d/a:v1', '/d/b:v1', '/d/gone:v1', '/e/x:v1']);
      expect((await list({ at: at(15), pathPrefix: '/d/a' }))[0]).toMatchObject({ sha256: digest('a1'), deleted_at: null });
      expect(versions(await list({ at: at(20) }))).toEqual(['/d/b:v1', '/d/gone:v1', '/e/x:v1', '/d/a:v2']);
      const b = (await list({ at: at(29.999) })).find((f) => f.filepath === '/d/b');
      expect(b).toMatchObject({ version: 1, deleted_at: at(30) });
    });

    it('leaves out a path deleted by then, unless deleted records are asked for; a path seen again comes back', async () => {
      expect(versions(await list({ at: at(45) }))).toEqual(['/d/gone:v1', '/e/x:v1', '/d/a:v2', '/d/new:v1']);
      expect(versions(await list({ at: at(55) }))).toEqual(['/e/x:v1', '/d/a:v2', '/d/new:v1']);
      expect(versions(await list({ at: at(55), includeDeleted: true }))).toEqual([
        '/d/b:v1',
        '/d/gone:v1',
        '/e/x:v1',
        '/d/a:v2',
        '/d/new:v1',
      ]);
      expect(versions(await list({ at: at(60) }))).toEqual(['/e/x:v1', '/d/a:v2', '/d/new:v1', '/d/gone:v2']);
      expect((await list({ at: at(1000) })).map((f) => f.id)).toEqual((await list({})).map((f) => f.id));
      expect(await list({ at: at(5) })).toEqual([]);
    });

    it('filters by hostname, path prefix and the digest of the version current then', async () => {
      await ctx.sut.recordFiles([meta('/d/a', 'a1', { hostname: 'host-b' })], at(10));
      expect(versions(await list({ at: at(15), hostname: 'host-a', pathPrefix: '/d' }))).toEqual(['/d/a:v1', '/d/b:v1', '/d/gone:v1']);
      expect((await list({ at: at(15), sha256: digest('a1') })).map((f) => f.hostname)).toEqual(['host-a', 'host-b']);
      expect((await list({ at: at(25), sha256: digest('a1') })).map((f) => f.hostname)).toEqual(['host-b']);
    });

    it('pages through many paths with several versions, every path once', async () => {
      const paths = Array.from({ length: 300 }, (_, i) => `/many/${String(i).padStart(3, '0')}`);
      await ctx.sut.recordFiles(
        paths.map((p) => meta(p, `${p}-1`)),
        at(100),
      );
      await ctx.sut.recordFiles(
        paths.map((p) => meta(p, `${p}-2`)),
        at(200),
      );
      for (const [time, content] of [
        [150, '-1'],
        [250, '-2'],
      ] as const) {
        const seen: StoredFile[] = [];
        let cursor: string | undefined;
        do {
          const page = await ctx.sut.listFiles({ includeDeleted: false, limit: 110, pathPrefix: '/many', at: at(time), cursor });
          seen.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(seen.map((f) => f.filepath)).toEqual(paths);
        expect(seen.every((f, i) => f.sha256 === digest(`${paths[i]}${content}`))).toBe(true);
      }
    });
  });
}

import type { RecordsAndRegistry, StoreFactory } from './contract-fixtures';
import { at, digest, EMPTY, meta, useFreshStore } from './contract-fixtures';

/** How `recordFiles` versions files, and how versions are deleted. */
export function describeFileRecordingContract(factory: StoreFactory<RecordsAndRegistry>): void {
  const ctx = useFreshStore(factory);

  describe('markFilesSeen', () => {
    it('refreshes only current, live records of that host; the other ids come back stale, in order', async () => {
      const recorded = await ctx.sut.recordFiles(
        [meta('/keep', 'k'), meta('/old', 'o1'), meta('/gone', 'g'), meta('/other', 'x', { hostname: 'host-b' })],
        at(1),
      );
      const [keep, old, gone, other] = recorded.map((r) => r.file);
      await ctx.sut.recordFiles([meta('/old', 'o2')], at(2));
      await ctx.sut.markPathsDeleted('host-a', ['/gone'], at(2));
      const seen = await ctx.sut.markFilesSeen('host-a', [old.id, keep.id, gone.id, other.id, 'not-an-id'], at(3));
      expect(seen).toEqual({ seen: 1, stale: [old.id, gone.id, other.id, 'not-an-id'], uploadRequired: [keep.id] });
      expect(await ctx.sut.getFile(keep.id)).toMatchObject({ last_seen_at: at(3), first_seen_at: at(1) });
      expect(await ctx.sut.getFile(old.id)).toMatchObject({ last_seen_at: at(1) });
      expect(await ctx.sut.getFile(gone.id)).toMatchObject({ last_seen_at: at(1) });
      expect(await ctx.sut.getFile(other.id)).toMatchObject({ last_seen_at: at(1) });
    });

    it('says which confirmed records need their content uploaded: not registered or quarantined, never taken down or empty', async () => {
      const empty = EMPTY;
      const recorded = await ctx.sut.recordFiles(
        [
          meta('/stored', 's'),
          meta('/taken', 't'),
          meta('/never', 'n'),
          meta('/empty', 'e', { sha256: empty, size: 0 }),
          meta('/bad', 'q'),
        ],
        at(1),
      );
      const [stored, taken, never, emptyFile, bad] = recorded.map((r) => r.file.id);
      for (const content of ['s', 't', 'q']) await ctx.sut.registerBlob(digest(content), 1, at(1));
      await ctx.sut.takeDownBlob(digest('t'), 1, at(2));
      await ctx.sut.quarantineBlob(digest('q'), at(2));
      const seen = await ctx.sut.markFilesSeen('host-a', [never, stored, emptyFile, taken, bad], at(3));
      expect(seen).toEqual({ seen: 5, stale: [], uploadRequired: [never, bad] });
      await ctx.sut.takeDownBlob(empty, 0, at(4));
      expect(await ctx.sut.markFilesSeen('host-a', [emptyFile, stored], at(5))).toEqual({ seen: 2, stale: [], uploadRequired: [] });
    });

    it('finds content gone that an earlier confirmation found stored: quarantined or taken down, for every record of it', async () => {
      const recorded = await ctx.sut.recordFiles([meta('/a', 'a'), meta('/copy-of-a', 'a'), meta('/b', 'b'), meta('/c', 'c')], at(1));
      const [a, copy, b, c] = recorded.map((r) => r.file.id);
      for (const content of ['a', 'b', 'c']) await ctx.sut.registerBlob(digest(content), 1, at(1));
      expect(await ctx.sut.markFilesSeen('host-a', [a, copy, b, c], at(2))).toEqual({ seen: 4, stale: [], uploadRequired: [] });
      await ctx.sut.quarantineBlob(digest('a'), at(3));
      await ctx.sut.takeDownBlob(digest('b'), 1, at(3));
      expect(await ctx.sut.markFilesSeen('host-a', [a, copy, b, c], at(4))).toEqual({ seen: 4, stale: [], uploadRequired: [a, copy] });
      // Stored again: the quarantine heals; the takedown stays until it is lifted, and then the content is absent.
      await ctx.sut.registerBlob(digest('a'), 1, at(5));
      await ctx.sut.registerBlob(digest('b'), 1, at(5));
      expect(await ctx.sut.markFilesSeen('host-a', [a, copy, b, c], at(6))).toEqual({ seen: 4, stale: [], uploadRequired: [] });
      expect((await ctx.sut.getBlobs([digest('b')])).get(digest('b'))!.deleted_at).toEqual(at(3));
      await ctx.sut.reinstateBlob(digest('b'));
      expect(await ctx.sut.markFilesSeen('host-a', [a, copy, b, c], at(7))).toEqual({ seen: 4, stale: [], uploadRequired: [b] });
    });

    it('confirms a thousand records at once', async () => {
      const recorded = await ctx.sut.recordFiles(
        Array.from({ length: 1000 }, (_, i) => meta(`/many/${i}`, `c${i % 10}`)),
        at(1),
      );
      for (let i = 0; i < 10; i += 2) await ctx.sut.registerBlob(digest(`c${i}`), 1, at(1));
      const ids = recorded.map((r) => r.file.id);
      const seen = await ctx.sut.markFilesSeen('host-a', ids, at(2));
      expect(seen.seen).toBe(1000);
      expect(seen.stale).toEqual([]);
      expect(seen.uploadRequired).toEqual(ids.filter((_, i) => (i % 10) % 2 === 1));
      expect(await ctx.sut.getFile(ids[999])).toMatchObject({ last_seen_at: at(2) });
    });

    it('answers nothing for no ids', async () => {
      expect(await ctx.sut.markFilesSeen('host-a', [], at(1))).toEqual({ seen: 0, stale: [], uploadRequired: [] });
    });
  });

  describe('recordFiles', () => {
    it('records a new path as version 1 with every field', async () => {
      const input = meta('/etc/hosts', 'one', { mode: 0o644, uid: 0, gid: 0, mtime: 1.5, atime: 2, ctime: 3, ip_address: '10.0.0.1' });
      const [result] = await ctx.sut.recordFiles([input], at(1));
      expect(result.status).toBe('created');
      expect(result.file).toEqual({
        id: expect.any(String),
        ...input,
        version: 1,
        first_seen_at: at(1),
        last_seen_at: at(1),
        deleted_at: null,
        type: 'file',
        link_target: null,
        namespace: 'host',
        object: null,
      });
      expect(await ctx.sut.getFile(result.file.id)).toEqual(result.file);
      expect(await ctx.sut.currentFile('host-a', '/etc/hosts')).toEqual(result.file);
    });

    it('stores absent optional fields as null', async () => {
      const [result] = await ctx.sut.recordFiles([meta('/x', 'x')], at(1));
      const stored = await ctx.sut.getFile(result.file.id);
      expect(stored).toMatchObject({ mode: null, uid: null, gid: null, mtime: null, atime: null, ctime: null, ip_address: null });
    });

    it('keeps the same version for the same digest and refreshes last_seen_at and the stat fields', async () => {
      const [first] = await ctx.sut.recordFiles([meta('/a', 'one', { mtime: 1 })], at(1));
      const [again] = await ctx.sut.recordFiles([meta('/a', 'one', { mtime: 9 })], at(5));
      expect(again.status).toBe('unchanged');
      expect(again.file).toMatchObject({ id: first.file.id, version: 1, mtime: 9, first_seen_at: at(1), last_seen_at: at(5) });
      expect(await ctx.sut.getFile(first.file.id)).toEqual(again.file);
      expect(await ctx.sut.fileHistory('host-a', '/a')).toHaveLength(1);
    });

    it('makes a new digest version 2 and keeps version 1 as history, newest first', async () => {
      const [v1] = await ctx.sut.recordFiles([meta('/a', 'one')], at(1));
      const [v2] = await ctx.sut.recordFiles([meta('/a', 'two')], at(2));
      expect(v2.status).toBe('created');
      expect(v2.file).toMatchObject({ version: 2, sha256: digest('two'), first_seen_at: at(2) });
      expect(v2.file.id).not.toBe(v1.file.id);
      expect(await ctx.sut.currentFile('host-a', '/a')).toEqual(v2.file);
      const history = await ctx.sut.fileHistory('host-a', '/a');
      expect(history.map((f) => [f.version, f.sha256])).toEqual([
        [2, digest('two')],
        [1, digest('one')],
      ]);
      expect(history[1]).toEqual(v1.file);
    });

    it('treats the same path on another host as another file', async () => {
      await ctx.sut.recordFiles([meta('/a', 'one')], at(1));
      const [other] = await ctx.sut.recordFiles([meta('/a', 'one', { hostname: 'host-b' })], at(2));
      expect(other).toMatchObject({ status: 'created', file: { hostname: 'host-b', version: 1 } });
    });

    it('makes a deleted path seen again a new version, even with the same digest', async () => {
      const [v1] = await ctx.sut.recordFiles([meta('/a', 'one')], at(1));
      expect(await ctx.sut.markPathsDeleted('host-a', ['/a'], at(2))).toBe(1);
      const [v2] = await ctx.sut.recordFiles([meta('/a', 'one')], at(3));
      expect(v2).toMatchObject({ status: 'created', file: { version: 2, deleted_at: null } });
      expect((await ctx.sut.getFile(v1.file.id))!.deleted_at).toEqual(at(2));
      expect((await ctx.sut.currentFile('host-a', '/a'))!.id).toBe(v2.file.id);
    });

    it('answers a batch in request order, the same path twice in a batch included', async () => {
      const results = await ctx.sut.recordFiles(
        [meta('/a', 'one'), meta('/b', 'one'), meta('/a', 'two'), meta('/a', 'two'), meta('/b', 'one')],
        at(1),
      );
      expect(results.map((r) => [r.file.filepath, r.file.version, r.status])).toEqual([
        ['/a', 1, 'created'],
        ['/b', 1, 'created'],
        ['/a', 2, 'created'],
        ['/a', 2, 'unchanged'],
        ['/b', 1, 'unchanged'],
      ]);
      expect(results[3].file.id).toBe(results[2].file.id);
      expect((await ctx.sut.fileHistory('host-a', '/a')).map((f) => f.version)).toEqual([2, 1]);
    });

    it('records a symlink with its target; another target, or a file in its place, is a new version', async () => {
      const link = (target: string) => meta('/l', '', { type: 'symlink', link_target: target, sha256: EMPTY, size: 0 });
      const [v1] = await ctx.sut.recordFiles([link('a/b')], at(1));
      expect(v1).toMatchObject({ status: 'created', file: { version: 1, type: 'symlink', link_target: 'a/b', sha256: EMPTY, size: 0 } });
      expect(await ctx.sut.getFile(v1.file.id)).toEqual(v1.file);
      const [same] = await ctx.sut.recordFiles([link('a/b')], at(2));
      expect(same).toMatchObject({ status: 'unchanged', file: { id: v1.file.id, last_seen_at: at(2) } });
      const [v2] = await ctx.sut.recordFiles([link('/elsewhere')], at(3));
      expect(v2).toMatchObject({ status: 'created', file: { version: 2, link_target: '/elsewhere' } });
      const [v3] = await ctx.sut.recordFiles([meta('/l', '', { sha256: EMPTY, size: 0 })], at(4));
      expect(v3).toMatchObject({ status: 'created', file: { version: 3, type: 'file', link_target: null } });
      expect((await ctx.sut.fileHistory('host-a', '/l')).map((f) => [f.version, f.type, f.link_target])).toEqual([
        [3, 'file', null],
        [2, 'symlink', '/elsewhere'],
        [1, 'symlink', 'a/b'],
      ]);
    });

    it('creates exactly one version when parallel calls record the same path', async () => {
      const calls = Array.from({ length: 12 }, (_, i) => ctx.sut.recordFiles([meta('/race', 'same')], at(10 + i)));
      const statuses = (await Promise.all(calls)).map(([r]) => r.status);
      expect(statuses.filter((s) => s === 'created')).toHaveLength(1);
      expect(statuses.filter((s) => s === 'unchanged')).toHaveLength(11);
      expect(await ctx.sut.fileHistory('host-a', '/race')).toHaveLength(1);
    });
  });

  describe('deletion', () => {
    it('marks current versions of paths deleted and counts only those not deleted before', async () => {
      await ctx.sut.recordFiles([meta('/a', '1'), meta('/b', '2'), meta('/c', '3')], at(1));
      expect(await ctx.sut.markPathsDeleted('host-a', ['/a', '/b', '/missing'], at(2))).toBe(2);
      expect(await ctx.sut.markPathsDeleted('host-a', ['/a', '/c'], at(3))).toBe(1);
      expect(await ctx.sut.markPathsDeleted('host-b', ['/b'], at(3))).toBe(0);
      expect(await ctx.sut.currentFile('host-a', '/a')).toBeNull();
      expect((await ctx.sut.fileHistory('host-a', '/a'))[0].deleted_at).toEqual(at(2));
    });

    it('marks one version deleted by id; unknown ids find nothing', async () => {
      const [r] = await ctx.sut.recordFiles([meta('/a', '1')], at(1));
      expect(await ctx.sut.markFileDeleted(r.file.id, at(2))).toBe(true);
      expect(await ctx.sut.markFileDeleted(r.file.id, at(3))).toBe(true);
      expect((await ctx.sut.getFile(r.file.id))!.deleted_at).toEqual(at(2));
      expect(await ctx.sut.currentFile('host-a', '/a')).toBeNull();
      for (const bad of ['not-an-id', '', '-1', '0', 'ffffffffffffffffffffffff', '999999999']) {
        expect(await ctx.sut.markFileDeleted(bad, at(4))).toBe(false);
        expect(await ctx.sut.getFile(bad)).toBeNull();
      }
    });

    it('deletes under a path prefix: a directory or a file, never a sibling that shares its name as a string', async () => {
      const paths = ['/d/a%b/x', '/d/a%b/y', '/d/a%b', '/d/a%bc', '/d/aXb/z', '/d/a_b/w', '/e/a%b/x'];
      await ctx.sut.recordFiles(
        paths.map((p) => meta(p, p)),
        at(1),
      );
      await ctx.sut.recordFiles([meta('/d/a%b/x', 'x', { hostname: 'host-b' })], at(1));
      expect(await ctx.sut.markPrefixDeleted('host-a', '/d/a%b/', at(2))).toBe(2);
      expect(await ctx.sut.markPrefixDeleted('host-a', '/d/a_', at(2))).toBe(0);
      expect(await ctx.sut.markPrefixDeleted('host-a', '/d/a%b', at(3))).toBe(1);
      const live = await ctx.sut.listFiles({ includeDeleted: false, limit: 100 });
      expect(live.items.map((f) => `${f.hostname}:${f.filepath}`).sort()).toEqual(
        ['host-a:/d/a%bc', 'host-a:/d/aXb/z', 'host-a:/d/a_b/w', 'host-a:/e/a%b/x', 'host-b:/d/a%b/x'].sort(),
      );
      expect(await ctx.sut.markPrefixDeleted('host-a', '/', at(4))).toBe(4);
    });
  });
}

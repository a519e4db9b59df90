import type { Sha256 } from '@app/contracts';
import { Readable } from 'node:stream';
import { FakeJobContext } from '../../testing/fake-job-context';
import { content, drain, GcFixture, gcFixture } from '../../testing/service-fixtures';

const HOUR = 3600_000;

describe('GcJob', () => {
  let f: GcFixture;
  afterEach(() => f.close());

  const sut = () => f.sut;
  const put = async (size: number) => {
    const c = content(size);
    await f.blobs.put(c.sha, Readable.from([c.bytes]));
    return c;
  };
  const record = (filepath: string, sha256: Sha256, size: number) => f.files.record({ hostname: 'h', filepath, sha256, size });
  /** Makes content look stored `ms` ago (and not referenced since). */
  const age = (sha256: Sha256, size: number, ms = 2 * HOUR) => f.metadata.registerBlob(sha256, size, new Date(Date.now() - ms));
  const registered = async (sha256: Sha256) => (await f.metadata.registryPage(sha256.slice(0, -1), 3)).some((e) => e.sha256 === sha256);
  const served = async (sha256: Sha256) => (await drain(await f.blobs.open(await f.blobs.resolve(sha256)))).bytes;

  describe('what it removes', () => {
    beforeEach(async () => (f = await gcFixture({ gcGraceSeconds: 3600 }, { threshold: 0 })));

    it('removes unreferenced content past the grace, keeping content in its grace and any that a record names', async () => {
      const [gone, young, current, history, deleted] = await Promise.all([put(2000), put(30), put(40), put(50), put(60)]);
      await record('/current', current.sha, 40);
      await record('/file', history.sha, 50);
      await record('/file', content(7).sha, 7);
      await record('/deleted', deleted.sha, 60);
      await f.files.markPathsDeleted('h', ['/deleted']);
      for (const c of [gone, current, history, deleted]) await age(c.sha, c.bytes.length);

      const context = new FakeJobContext();
      expect(await sut().run(context)).toEqual({ blobs_removed: 1, bytes_freed: 2000, orphans_adopted: 0, packs_rewritten: 0 });
      expect(await registered(gone.sha)).toBe(false);
      expect(await f.store.stat(gone.sha)).toBeNull();
      for (const c of [young, current, history, deleted]) expect(await served(c.sha)).toEqual(c.bytes);
      expect(context.lastProgress).toEqual({ done: 10, bytes: 2000 });
      expect(await f.metadata.contentTotals()).toEqual({ unreferenced_blobs: 1, unreferenced_bytes: 30, quarantined_blobs: 0 });
    });

    it('counts in a dry run exactly what a run removes, and changes nothing', async () => {
      const [a, b] = [await put(100), await put(200)];
      await age(a.sha, 100);
      await age(b.sha, 200);
      expect(await sut().run(new FakeJobContext({ dryRun: true }))).toEqual({
        blobs_removed: 2,
        bytes_freed: 300,
        orphans_adopted: 0,
        packs_rewritten: 0,
      });
      expect(await f.metadata.registryPage('', 10)).toEqual([
        expect.objectContaining({ mark: null }),
        expect.objectContaining({ mark: null }),
      ]);
      for (const c of [a, b]) expect(await served(c.sha)).toEqual(c.bytes);
      expect(await sut().run(new FakeJobContext())).toEqual({ blobs_removed: 2, bytes_freed: 300, orphans_adopted: 0, packs_rewritten: 0 });
    });

    it('keeps taken-down content refused, and removes quarantined content whose records are all gone', async () => {
      const [down, bad, badButNamed] = [await put(10), await put(11), await put(12)];
      await f.blobs.delete(down.sha);
      await record('/named', badButNamed.sha, 12);
      for (const c of [bad, badButNamed]) {
        await age(c.sha, c.bytes.length);
        await f.quarantine.quarantine(c.sha, 'found corrupt');
      }
      await age(down.sha, 10);
      expect(await sut().run(new FakeJobContext())).toMatchObject({ blobs_removed: 1, bytes_freed: 0 });
      expect(await registered(bad.sha)).toBe(false);
      await expect(f.blobs.resolve(down.sha)).rejects.toMatchObject({ code: 'gone' });
      expect((await f.metadata.getBlobs([badButNamed.sha])).get(badButNamed.sha)).toMatchObject({ quarantined_at: expect.any(Date) });
    });

    it('adopts stored content no registry entry knows, and removes it only once the grace has passed', async () => {
      const orphan = content(300);
      await f.loose.put(orphan.sha, Readable.from([orphan.bytes]));
      expect(await sut().run(new FakeJobContext())).toEqual({ blobs_removed: 0, bytes_freed: 0, orphans_adopted: 1, packs_rewritten: 0 });
      expect(await served(orphan.sha)).toEqual(orphan.bytes);
      await age(orphan.sha, 300);
      expect(await sut().run(new FakeJobContext())).toMatchObject({ blobs_removed: 1, bytes_freed: 300, orphans_adopted: 0 });
      expect(await f.loose.stat(orphan.sha)).toBeNull();
    });

    it('refuses options it does not know, naming them', () => {
      expect(sut().parseOptions({})).toEqual({});
      expect(() => sut().parseOptions({ grace_seconds: 0 })).toThrow(
        expect.objectContaining({
          code: 'validation_failed',
          details: { fields: [{ field: 'grace_seconds', errors: expect.any(Array) }] },
        }),
      );
    });
  });

  describe('with a grace of 0, against records and uploads under way', () => {
    beforeEach(async () => (f = await gcFixture({ gcGraceSeconds: 0 }, { threshold: 0 })));

    /** Content stored a second ago: past a grace of 0 even when the run starts within the same millisecond. */
    const stored = async (size: number) => {
      const c = await put(size);
      await age(c.sha, size, 1000);
      return c;
    };

    it('keeps content whose record arrives after its first look: the second look finds it and lifts the mark', async () => {
      const c = await stored(100);
      const held = f.metadata.held.bind(f.metadata);
      let answer: unknown;
      jest.spyOn(f.metadata, 'held').mockImplementationOnce(async (digests, since) => {
        const found = await held(digests, since);
        answer = (await record('/late', c.sha, 100)).record;
        return found;
      });
      expect(await sut().run(new FakeJobContext())).toMatchObject({ blobs_removed: 0 });
      expect(answer).toMatchObject({ upload_required: false, content_available: true });
      expect(await served(c.sha)).toEqual(c.bytes);
      expect((await f.metadata.registryPage('', 1))[0]).toMatchObject({ mark: null });
    });

    it('answers a record whose content it removed while the record was being written from what is left: "required"', async () => {
      const c = await stored(100);
      const recordFiles = f.metadata.recordFiles.bind(f.metadata);
      const runs: unknown[] = [];
      jest.spyOn(f.metadata, 'recordFiles').mockImplementationOnce(async (files, now) => {
        runs.push(await sut().run(new FakeJobContext()));
        return recordFiles(files, now);
      });
      const { record: answer } = await record('/racing', c.sha, 100);
      expect(runs).toEqual([expect.objectContaining({ blobs_removed: 1 })]);
      expect(answer).toMatchObject({ upload_required: true, content_available: false });
    });

    it('answers a record that arrives once the content is marked "upload required"; the upload then stores it anew', async () => {
      const c = await stored(100);
      const markRemoving = f.metadata.markRemoving.bind(f.metadata);
      let answer: unknown;
      jest.spyOn(f.metadata, 'markRemoving').mockImplementationOnce(async (...args) => {
        answer = (await record('/late', c.sha, 100)).record;
        return markRemoving(...args);
      });
      expect(await sut().run(new FakeJobContext())).toMatchObject({ blobs_removed: 1, bytes_freed: 100 });
      expect(answer).toMatchObject({ upload_required: true, content_available: false });
      expect(await f.blobs.put(c.sha, Readable.from([c.bytes]))).toEqual({ sha256: c.sha, size: 100, created: true });
      expect(await served(c.sha)).toEqual(c.bytes);
      expect((await f.files.list({})).items).toEqual([expect.objectContaining({ sha256: c.sha, content_available: true })]);
    });

    it('makes an upload of content it is removing wait, then store it anew: it ends stored and registered', async () => {
      const c = await stored(100);
      const remove = f.store.deleteMany.bind(f.store);
      let upload: Promise<unknown> = Promise.resolve();
      jest.spyOn(f.store, 'deleteMany').mockImplementationOnce(async (shas) => {
        upload = f.blobs.put(c.sha, Readable.from([c.bytes]));
        // The upload claims the digest and finds it marked: it waits while the removal goes on.
        for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
        return remove(shas);
      });
      await sut().run(new FakeJobContext());
      expect(await upload).toEqual({ sha256: c.sha, size: 100, created: true });
      expect(await served(c.sha)).toEqual(c.bytes);
    });

    it('keeps content an upload found already stored while that upload runs, whatever its grace', async () => {
      const c = await stored(100);
      const storePut = f.store.put.bind(f.store);
      const runs: unknown[] = [];
      jest.spyOn(f.store, 'put').mockImplementationOnce(async (sha, body, options) => {
        const put = await storePut(sha, body, options);
        runs.push(await sut().run(new FakeJobContext()));
        return put;
      });
      expect(await f.blobs.put(c.sha, Readable.from([c.bytes]))).toEqual({ sha256: c.sha, size: 100, created: false });
      expect(runs).toEqual([expect.objectContaining({ blobs_removed: 0 })]);
      expect(await served(c.sha)).toEqual(c.bytes);
    });

    it("keeps an object's content while its version is being recorded", async () => {
      const c = content(100);
      const recordFiles = f.metadata.recordFiles.bind(f.metadata);
      const runs: unknown[] = [];
      jest.spyOn(f.metadata, 'recordFiles').mockImplementationOnce(async (files, now) => {
        runs.push(await sut().run(new FakeJobContext()));
        return recordFiles(files, now);
      });
      expect(await f.objects.put('bucket', 'key', Readable.from([c.bytes]))).toMatchObject({ sha256: c.sha, size: 100 });
      expect(runs).toEqual([expect.objectContaining({ blobs_removed: 0 })]);
      const read = await f.objects.read('bucket', 'key');
      expect((await drain(await read.open())).bytes).toEqual(c.bytes);
    });

    it('answers an object whose content it removed between its storing and its recording 503, recording nothing', async () => {
      const c = content(100);
      const hold = f.blobs.hold.bind(f.blobs);
      jest.spyOn(f.blobs, 'hold').mockImplementationOnce(async (sha256) => {
        await age(sha256, 100, 1000);
        await sut().run(new FakeJobContext());
        return hold(sha256);
      });
      await expect(f.objects.put('bucket', 'key', Readable.from([c.bytes]))).rejects.toMatchObject({ code: 'unavailable' });
      await expect(f.objects.read('bucket', 'key')).rejects.toMatchObject({ code: 'not_found' });
      expect(await f.objects.put('bucket', 'key', Readable.from([c.bytes]))).toMatchObject({ sha256: c.sha, version: 1 });
    });

    it('heeds the claims of uploads under way, and not those an upload left behind an hour ago', async () => {
      const [fresh, stale] = [content(100), content(200)];
      for (const c of [fresh, stale]) await f.loose.put(c.sha, Readable.from([c.bytes]));
      await f.metadata.claimUpload(fresh.sha, new Date());
      await f.metadata.claimUpload(stale.sha, new Date(Date.now() - 2 * HOUR));
      // Both are orphans (stored, never registered): adopted, then past a grace of 0.
      expect(await sut().run(new FakeJobContext())).toEqual({ blobs_removed: 1, bytes_freed: 200, orphans_adopted: 2, packs_rewritten: 0 });
      expect(await f.loose.stat(fresh.sha)).toMatchObject({ size: 100 });
      expect(await f.loose.stat(stale.sha)).toBeNull();
    });

    it('stops at a safe point when cancelled, saving where it was, and goes on from there when resumed', async () => {
      for (let i = 0; i < 3; i++) await stored(10);
      const context = new FakeJobContext();
      context.cancel();
      await expect(sut().run(context)).rejects.toThrow('the job was cancelled');
      expect((await f.metadata.registryPage('', 10)).length).toBe(3);
      // Resumed after the second of the three: only the last is left to examine.
      const [before, last] = (await f.metadata.registryPage('', 10)).slice(-2);
      const resumed = new FakeJobContext({
        checkpoint: {
          phase: 'registry',
          after: before.sha256,
          walk_started_at: Date.now(),
          tally: { blobs_removed: 5, bytes_freed: 50, orphans_adopted: 0, packs_rewritten: 0, examined: 7 },
        },
      });
      expect(await sut().run(resumed)).toEqual({ blobs_removed: 6, bytes_freed: 60, orphans_adopted: 0, packs_rewritten: 0 });
      expect((await f.metadata.registryPage('', 10)).length).toBe(2);
      expect(resumed.saved).toEqual([expect.objectContaining({ phase: 'registry', after: last.sha256 })]);
    });
  });

  describe('in packs', () => {
    // Content under 1 KiB is packed; a pack is sealed at 4 KiB: nine blobs of 500 bytes fill one, a tenth opens another.
    beforeEach(async () => (f = await gcFixture({ gcGraceSeconds: 0, gcPackRewriteBelow: 0.5 })));

    const packs = () => f.store.maintenance().packs();
    /** Ten blobs of 500 bytes, the first nine in a sealed pack; those whose index is in `kept` (and the tenth) get records. */
    const fill = async (kept: number[]) => {
      const blobs = [];
      for (let i = 0; i < 10; i++) blobs.push(await put(500));
      for (const c of blobs) await age(c.sha, 500, 1000);
      for (const i of [...kept, 9]) await record(`/f${i}`, blobs[i].sha, 500);
      const [sealed] = (await packs()).filter((p) => p.sealed);
      expect(sealed).toMatchObject({ size: 4500, entries: 9 });
      return { blobs, sealed };
    };

    it('rewrites a sealed pack whose live share fell under the setting: its dead bytes freed, the rest still served', async () => {
      const { blobs, sealed } = await fill([0, 1, 2, 3]);
      const expected = { blobs_removed: 5, bytes_freed: 2500, orphans_adopted: 0, packs_rewritten: 1 };
      expect(await sut().run(new FakeJobContext({ dryRun: true }))).toEqual(expected);
      expect((await packs()).map((p) => p.id)).toContain(sealed.id);
      expect(await sut().run(new FakeJobContext())).toEqual(expected);
      expect((await packs()).map((p) => [p.sealed, p.entries, p.liveBytes])).toEqual([[false, 5, 2500]]);
      expect(f.packFiles.bytes.has(sealed.id)).toBe(false);
      for (const i of [0, 1, 2, 3, 9]) expect(await served(blobs[i].sha)).toEqual(blobs[i].bytes);
      for (const i of [4, 5, 6, 7, 8]) expect(await registered(blobs[i].sha)).toBe(false);
    });

    it('leaves a pack whose live share is above the setting: what it removed stays in it, dead, for a later run', async () => {
      const { sealed } = await fill([0, 1, 2, 3, 4, 5, 6]);
      expect(await sut().run(new FakeJobContext())).toEqual({ blobs_removed: 2, bytes_freed: 0, orphans_adopted: 0, packs_rewritten: 0 });
      expect((await packs()).find((p) => p.id === sealed.id)).toMatchObject({ size: 4500, entries: 7, liveBytes: 3500 });
    });

    it('quarantines an entry it finds corrupt while copying, so its records show it unavailable', async () => {
      const { blobs, sealed } = await fill([0, 1, 2, 3]);
      const entry = (await f.index.lookup(blobs[1].sha))!;
      f.packFiles.bytes.get(sealed.id)![entry.offset] ^= 0xff;
      expect(await sut().run(new FakeJobContext())).toEqual({
        blobs_removed: 5,
        bytes_freed: 3000,
        orphans_adopted: 0,
        packs_rewritten: 1,
      });
      expect((await f.files.list({})).items.find((r) => r.sha256 === blobs[1].sha)).toMatchObject({ content_available: false });
      expect(await f.blobs.missing([blobs[1].sha])).toEqual([blobs[1].sha]);
      for (const i of [0, 2, 3, 9]) expect(await served(blobs[i].sha)).toEqual(blobs[i].bytes);
    });

    it('drops only packs with nothing live when the setting is 0, and removes old pack files no commit made visible', async () => {
      await f.close();
      f = await gcFixture({ gcGraceSeconds: 0, gcPackRewriteBelow: 0 });
      const { blobs: all } = await fill([]);
      await (await f.packFiles.create('f'.repeat(32))).write([Buffer.alloc(123)], 0);
      f.packFiles.modified.set('f'.repeat(32), Date.now() - 2 * HOUR);
      expect(await sut().run(new FakeJobContext())).toEqual({
        blobs_removed: 9,
        bytes_freed: 4500 + 123,
        orphans_adopted: 0,
        packs_rewritten: 1,
      });
      expect((await packs()).map((p) => p.entries)).toEqual([1]);
      expect(await served(all[9].sha)).toEqual(all[9].bytes);
    });

    it('removes a loose copy that a packed copy of the same content shadows', async () => {
      const c = content(200);
      await f.loose.put(c.sha, Readable.from([c.bytes]));
      await f.blobs.put(c.sha, Readable.from([c.bytes]));
      await record('/c', c.sha, 200);
      expect(await sut().run(new FakeJobContext())).toEqual({ blobs_removed: 0, bytes_freed: 200, orphans_adopted: 0, packs_rewritten: 0 });
      expect(await f.loose.stat(c.sha)).toBeNull();
      expect(await served(c.sha)).toEqual(c.bytes);
    });
  });
});

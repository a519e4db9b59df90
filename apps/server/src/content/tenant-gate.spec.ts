import { Readable } from 'node:stream';
import { TenantScope } from '../auth/tenant-scope';
import { content, counter, drain, ServiceFixture, serviceFixture } from '../testing/service-fixtures';

/** The tenant rules as the services apply them: a key limited to host lab-1 and bucket scans, beside host lab-2. */
describe('TenantGate and the services that ask it', () => {
  let f: ServiceFixture;
  afterEach(() => f.close());

  const mine = TenantScope.of({ hostnames: ['lab-1'], buckets: ['scans'] });
  const file = (hostname: string, filepath: string, c: { bytes: Buffer; sha: string }) => ({
    hostname,
    filepath,
    sha256: c.sha as never,
    size: c.bytes.length,
  });
  const body = (bytes: Buffer) => Readable.from([bytes]);
  const uploads = (result: string) => counter(f.metrics, 'hoard_blob_uploads_total', { result });

  /** Content another tenant stored and recorded on lab-2 (through a key that is not limited). */
  async function theirs(size = 100) {
    const c = content(size);
    await f.blobs.put(c.sha, body(c.bytes));
    await f.files.record(file('lab-2', '/theirs', c));
    return c;
  }

  describe('with either dedup scope', () => {
    beforeEach(async () => (f = await serviceFixture()));

    it('refuses records, confirmations and deletions under another host (403) and writes nothing', async () => {
      const c = content(10);
      await expect(f.files.record(file('lab-2', '/x', c), undefined, mine)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(f.files.recordBatch([file('lab-1', '/ok', c), file('lab-2', '/x', c)], mine)).rejects.toMatchObject({
        code: 'forbidden',
        details: { hostname: 'lab-2' },
      });
      await expect(f.files.markSeen('lab-2', ['1'], mine)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(f.files.markPathsDeleted('lab-2', ['/x'], mine)).rejects.toMatchObject({ code: 'forbidden' });
      expect((await f.files.list({})).items).toEqual([]);
    });

    it("lists, reads, restores and deletes only its own hosts' records; another host's answer 404", async () => {
      const c = await theirs();
      const own = (await f.files.record(file('lab-1', '/mine', content(5)), undefined, mine)).record;
      const other = (await f.files.list({ hostname: 'lab-2' })).items[0];
      expect((await f.files.list({}, mine)).items.map((r) => r.id)).toEqual([own.id]);
      expect((await f.files.list({ hostname: 'lab-2' }, mine)).items).toEqual([]);
      expect((await f.files.list({ sha256: c.sha }, mine)).items).toEqual([]);
      await expect(f.files.get(other.id, mine)).rejects.toMatchObject({ code: 'not_found' });
      await expect(f.files.history('lab-2', '/theirs', mine)).rejects.toMatchObject({ code: 'not_found' });
      await expect(f.files.current('lab-2', '/theirs', mine)).rejects.toMatchObject({ code: 'not_found' });
      await expect(f.files.delete(other.id, mine)).rejects.toMatchObject({ code: 'not_found' });
      await expect(f.files.epoch(c.sha, mine)).rejects.toMatchObject({ code: 'not_found' });
      expect((await f.files.get(other.id)).deleted_at).toBeNull();
      expect((await f.files.history('lab-1', '/mine', mine)).map((r) => r.id)).toEqual([own.id]);
    });

    it('reads content by digest only through a reference under its tenants, else 404 exactly as if absent', async () => {
      const c = await theirs();
      const absent = content(7).sha;
      for (const sha of [c.sha, absent]) {
        await expect(f.blobs.resolve(sha, mine)).rejects.toMatchObject({ code: 'not_found', message: `No content with digest ${sha}` });
        await expect(f.blobs.resolveStored(sha, mine)).rejects.toMatchObject({
          code: 'not_found',
          message: `No content with digest ${sha}`,
        });
        await expect(f.blobs.clones(sha, mine)).rejects.toMatchObject({ code: 'not_found', message: `No content with digest ${sha}` });
      }
      expect(await f.blobs.resolve(c.sha)).toEqual({ sha256: c.sha, size: 100 });
    });

    it('sees objects only in its buckets: writes elsewhere are 403, reads 404, listings empty', async () => {
      const c = content(20);
      await f.objects.put('photos', 'a.jpg', body(c.bytes));
      await expect(f.objects.put('photos', 'b.jpg', body(c.bytes), {}, mine)).rejects.toMatchObject({
        code: 'forbidden',
        details: { bucket: 'photos' },
      });
      await expect(f.objects.read('photos', 'a.jpg', undefined, mine)).rejects.toMatchObject({ code: 'not_found' });
      await expect(f.objects.head('photos', 'a.jpg', undefined, mine)).rejects.toMatchObject({ code: 'not_found' });
      await expect(f.objects.delete('photos', 'a.jpg', mine)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(f.objects.deleteByPrefix('photos', 'a', mine)).rejects.toMatchObject({ code: 'forbidden' });
      expect(await f.objects.list('photos', {}, mine)).toEqual({ items: [], next_cursor: null });
      const stored = await f.objects.put('scans', 'k', body(c.bytes), {}, mine);
      expect((await f.objects.list('scans', {}, mine)).items.map((o) => o.key)).toEqual(['k']);
      expect(stored.sha256).toBe(c.sha);
      // The bucket's object is its reference: the content reads by digest, and its clones show only that object.
      expect(await f.blobs.resolve(c.sha, mine)).toEqual({ sha256: c.sha, size: 20 });
      expect((await f.blobs.clones(c.sha, mine)).objects.map((o) => `${o.bucket}/${o.key}`)).toEqual(['scans/k']);
    });
  });

  describe('with the global dedup scope (the default)', () => {
    beforeEach(async () => (f = await serviceFixture()));

    it('tells a limited key that content stored elsewhere exists, and then lets it read what it recorded', async () => {
      const c = await theirs();
      expect(await f.blobs.missing([c.sha], mine)).toEqual([]);
      const { record } = await f.files.record(file('lab-1', '/copy', c), undefined, mine);
      expect([record.upload_required, record.content_available]).toEqual([false, true]);
      expect(await f.blobs.resolve(c.sha, mine)).toEqual({ sha256: c.sha, size: 100 });
      const clones = await f.blobs.clones(c.sha, mine);
      expect(clones.items.map((r) => `${r.hostname}:${r.filepath}`)).toEqual(['lab-1:/copy']);
    });
  });

  describe('with the tenant dedup scope', () => {
    beforeEach(async () => (f = await serviceFixture({ dedupScope: 'tenant' })));

    it('answers as if content stored only elsewhere were absent, until a verified upload of the key stores it once', async () => {
      const c = await theirs();
      expect(await f.blobs.missing([c.sha], mine)).toEqual([c.sha]);
      const first = await f.files.record(file('lab-1', '/copy', c), undefined, mine);
      expect([first.record.upload_required, first.record.content_available]).toEqual([true, false]);
      expect((await f.files.recordBatch([file('lab-1', '/copy', c)], mine))[0]).toMatchObject({
        upload_required: true,
        content_available: false,
      });
      expect((await f.files.list({}, mine)).items[0].content_available).toBe(false);
      // Recorded, it is still not readable: a record made without the bytes proves nothing.
      await expect(f.blobs.resolve(c.sha, mine)).rejects.toMatchObject({ code: 'not_found' });
      await expect(f.blobs.resolveStored(c.sha, mine)).rejects.toMatchObject({ code: 'not_found' });
      await expect(f.files.epoch(c.sha, mine)).rejects.toMatchObject({ code: 'not_found' });
      expect(await f.files.markSeen('lab-1', [first.record.id], mine)).toEqual({ seen: 1, stale: [], upload_required: [first.record.id] });

      // A wrong body is refused and proves nothing.
      await expect(f.blobs.put(c.sha, body(Buffer.alloc(100)), undefined, undefined, mine)).rejects.toMatchObject({
        code: 'digest_mismatch',
      });
      expect(await f.blobs.missing([c.sha], mine)).toEqual([c.sha]);

      const existingBefore = await uploads('existing');
      const put = await f.blobs.put(c.sha, body(c.bytes), 100, undefined, mine);
      expect(put).toEqual({ sha256: c.sha, size: 100, created: true });
      // Verified against the copy already stored, which stays the only one.
      expect(await uploads('existing')).toBe(existingBefore + 1);
      expect((await drain(await f.store.read(c.sha))).bytes.equals(c.bytes)).toBe(true);

      expect(await f.blobs.missing([c.sha], mine)).toEqual([]);
      const again = await f.files.record(file('lab-1', '/copy2', c), undefined, mine);
      expect([again.record.upload_required, again.record.content_available]).toEqual([false, true]);
      expect(await f.blobs.resolve(c.sha, mine)).toEqual({ sha256: c.sha, size: 100 });
      expect(await f.files.markSeen('lab-1', [first.record.id], mine)).toEqual({ seen: 1, stale: [], upload_required: [] });
      expect(await f.blobs.put(c.sha, body(c.bytes), 100, undefined, mine)).toEqual({ sha256: c.sha, size: 100, created: false });
    });

    it('neither checks nor corrects the size of a record of hidden content (a refusal would reveal it)', async () => {
      const c = await theirs();
      const { record } = await f.files.record({ ...file('lab-1', '/sized', c), size: 99 }, undefined, mine);
      expect([record.size, record.upload_required]).toEqual([99, true]);
      await expect(f.files.record({ ...file('lab-9', '/sized', c), size: 99 })).rejects.toMatchObject({
        code: 'validation_failed',
        details: { fields: [expect.objectContaining({ field: 'size' })] },
      });
    });

    it('says a takedown of hidden content only after the body was verified', async () => {
      const c = await theirs();
      await f.blobs.delete(c.sha);
      await expect(f.blobs.checkUploadable(c.sha, mine)).resolves.toBeUndefined();
      await expect(f.blobs.checkUploadable(c.sha)).rejects.toMatchObject({ code: 'gone' });
      await expect(f.blobs.put(c.sha, body(Buffer.alloc(100)), undefined, undefined, mine)).rejects.toMatchObject({
        code: 'digest_mismatch',
      });
      await expect(f.blobs.put(c.sha, body(c.bytes), undefined, undefined, mine)).rejects.toMatchObject({ code: 'gone' });
      expect(await f.store.stat(c.sha)).toBeNull();
    });

    it('changes nothing for a key that is not limited, and counts content of its buckets as held', async () => {
      const c = await theirs();
      expect(await f.blobs.missing([c.sha])).toEqual([]);
      expect((await f.files.record(file('lab-9', '/x', c))).record.upload_required).toBe(false);
      await f.objects.put('scans', 'k', body(c.bytes), {}, mine);
      expect(await f.blobs.missing([c.sha], mine)).toEqual([]);
      expect((await f.files.record(file('lab-1', '/y', c), undefined, mine)).record.upload_required).toBe(false);
    });
  });
});

import { EMPTY_SHA256, HoardError, type Sha256 } from '@app/contracts';
import { interruptedStream } from '@app/storage/testing/blob-bodies';
import { PassThrough, Readable } from 'node:stream';
import { content, counter, drain, ServiceFixture, serviceFixture, watchedBody } from '../testing/service-fixtures';
import { CorruptReadError } from './verified-read';

const EMPTY = EMPTY_SHA256;

describe('BlobsService', () => {
  let f: ServiceFixture;
  beforeEach(async () => (f = await serviceFixture()));
  afterEach(() => f.close());

  const sut = () => f.blobs;
  const entry = async (sha: Sha256) => (await f.metadata.getBlobs([sha])).get(sha);

  describe('missing', () => {
    it('asks only for content the store lacks or holds quarantined, each digest once, in request order', async () => {
      const [held, absent, bad, down] = [content(10), content(11), content(12), content(13)];
      for (const c of [held, bad, down]) await sut().put(c.sha, Readable.from([c.bytes]));
      await f.metadata.quarantineBlob(bad.sha, new Date());
      await sut().delete(down.sha);
      expect(await sut().missing([bad.sha, held.sha, absent.sha, down.sha, absent.sha, bad.sha])).toEqual([bad.sha, absent.sha]);
    });

    it('never asks for the empty content, stored or not', async () => {
      expect(await sut().missing([EMPTY, EMPTY])).toEqual([]);
      expect(await f.store.stat(EMPTY)).toBeNull();
    });
  });

  describe('put', () => {
    it('stores verified content once: a later upload of it answers created false and counts as existing', async () => {
      const { bytes, sha } = content(300);
      await expect(sut().put(sha, Readable.from([bytes]), 300)).resolves.toEqual({ sha256: sha, size: 300, created: true });
      await expect(sut().put(sha, Readable.from([bytes]))).resolves.toEqual({ sha256: sha, size: 300, created: false });
      expect(await entry(sha)).toMatchObject({ sha256: sha, size: 300, quarantined_at: null, deleted_at: null });
      expect(await counter(f.metrics, 'hoard_blob_uploads_total', { result: 'created' })).toBe(1);
      expect(await counter(f.metrics, 'hoard_blob_uploads_total', { result: 'existing' })).toBe(1);
      expect(await counter(f.metrics, 'hoard_blob_bytes_in_total')).toBe(300);
    });

    it('tells the store a digest is unregistered only when its registry has no entry of it', async () => {
      const { bytes, sha } = content(70);
      const put = jest.spyOn(f.store, 'put');
      await sut().put(sha, Readable.from([bytes]), 70);
      await sut().put(sha, Readable.from([bytes]), 70);
      expect(put.mock.calls.map((call) => call[2]?.unregistered)).toEqual([true, false]);
    });

    it('registers nothing when the bytes do not hash to the digest', async () => {
      const { sha } = content(50);
      await expect(sut().put(sha, Readable.from([content(50).bytes]))).rejects.toMatchObject({ code: 'digest_mismatch' });
      expect([await entry(sha), await f.store.stat(sha)]).toEqual([undefined, null]);
      expect(await sut().missing([sha])).toEqual([sha]);
    });

    it('refuses a declared length over the limit before reading the body and a body that grows past it; takes one at the limit', async () => {
      const small = await serviceFixture({ maxBlobBytes: 100 });
      try {
        const { bytes, sha } = content(101);
        const body = watchedBody(bytes);
        await expect(small.blobs.put(sha, body, 101)).rejects.toMatchObject({ code: 'payload_too_large', details: { maxBytes: 100 } });
        expect(body.wasRead()).toBe(false);
        // Left to drain rather than destroyed: the client still reads its 413 on a live connection.
        expect([body.destroyed, body.readableFlowing]).toEqual([false, true]);
        await expect(small.blobs.put(sha, Readable.from([bytes]))).rejects.toMatchObject({ code: 'payload_too_large' });
        expect(await small.store.stat(sha)).toBeNull();
        const fits = content(100);
        await expect(small.blobs.put(fits.sha, Readable.from([fits.bytes]), 100)).resolves.toMatchObject({ size: 100, created: true });
      } finally {
        await small.close();
      }
    });
  });

  describe('resolve and clones', () => {
    it('serves the empty content without any upload, and refuses content never stored', async () => {
      await expect(sut().resolve(EMPTY)).resolves.toEqual({ sha256: EMPTY, size: 0 });
      await expect(sut().resolveStored(EMPTY)).resolves.toEqual({ sha256: EMPTY, size: 0 });
      await expect(sut().resolve(content(5).sha)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('lists the records of content, the epoch first, each saying whether the content can be downloaded', async () => {
      const { bytes, sha } = content(40);
      const record = (host: string) => ({ hostname: host, filepath: '/f', sha256: sha, size: 40 });
      await f.files.record(record('first'));
      await f.files.record(record('second'));
      expect((await sut().clones(sha)).items.map((r) => [r.hostname, r.content_available])).toEqual([
        ['first', false],
        ['second', false],
      ]);
      await sut().put(sha, Readable.from([bytes]));
      expect((await sut().clones(sha)).items.map((r) => r.content_available)).toEqual([true, true]);
      await expect(sut().clones(content(3).sha)).rejects.toMatchObject({ code: 'not_found' });
      const lone = content(6);
      await sut().put(lone.sha, Readable.from([lone.bytes]));
      expect(await sut().clones(lone.sha)).toEqual({ items: [], objects: [] });
      await sut().delete(lone.sha);
      await expect(sut().clones(lone.sha)).rejects.toMatchObject({ code: 'gone' });
    });

    it('lists the objects that name content apart from the files of hosts, so that a bucket never reads as a host', async () => {
      const { bytes, sha } = content(40);
      const object = await f.objects.put('jobs', 'out.bin', Readable.from([bytes]));
      expect(await sut().clones(sha)).toEqual({ items: [], objects: [object] });
      await f.files.record({ hostname: 'jobs', filepath: '/srv/out.bin', sha256: sha, size: 40 });
      const clones = await sut().clones(sha);
      expect([clones.items.map((r) => [r.hostname, r.filepath]), clones.objects.map((o) => [o.bucket, o.key])]).toEqual([
        [['jobs', '/srv/out.bin']],
        [['jobs', 'out.bin']],
      ]);
    });
  });

  describe('takedown', () => {
    it('stays through later uploads, refused before the body is read, until it is reinstated', async () => {
      const { bytes, sha } = content(5000);
      await sut().put(sha, Readable.from([bytes]));
      await sut().delete(sha);
      const body = watchedBody(bytes);
      await expect(sut().put(sha, body, bytes.length)).rejects.toMatchObject({ code: 'gone' });
      expect(body.wasRead()).toBe(false);
      await expect(sut().resolve(sha)).rejects.toMatchObject({ code: 'gone' });
      expect(await sut().missing([sha])).toEqual([]);
      expect(await f.store.stat(sha)).toBeNull();

      await sut().reinstate(sha);
      await expect(sut().reinstate(sha)).rejects.toMatchObject({ code: 'not_found' });
      expect(await sut().missing([sha])).toEqual([sha]);
      await expect(sut().put(sha, Readable.from([bytes]))).resolves.toEqual({ sha256: sha, size: 5000, created: true });
      expect((await drain(await sut().open(await sut().resolve(sha)))).bytes.equals(bytes)).toBe(true);
    });

    it('takes down content stored but never registered, and refuses what is neither', async () => {
      const { bytes, sha } = content(300);
      await f.store.put(sha, Readable.from([bytes]));
      await sut().delete(sha);
      expect(await entry(sha)).toMatchObject({ size: 300, deleted_at: expect.any(Date) });
      await expect(sut().delete(content(10).sha)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('wins over an upload of the same content that was under way: the upload answers gone and its bytes go', async () => {
      const { bytes, sha } = content(4000);
      await sut().put(sha, Readable.from([bytes]));
      const body = new PassThrough();
      const upload = sut().put(sha, body);
      body.write(bytes.subarray(0, 1000));
      await sut().delete(sha);
      body.end(bytes.subarray(1000));
      await expect(upload).rejects.toMatchObject({ code: 'gone' });
      expect(await f.store.stat(sha)).toBeNull();
      expect((await entry(sha))!.deleted_at).not.toBeNull();
    });
  });

  describe('verified reads', () => {
    it('fails a full read of corrupt content before its end, quarantines it, and a PUT of the right bytes heals it', async () => {
      const { bytes, sha } = content(3 << 20);
      await sut().put(sha, Readable.from([bytes]));
      const bad = Buffer.from(bytes);
      bad[1234] ^= 0x20;
      f.store.corrupt(sha, bad);

      const read = await drain(await sut().open(await sut().resolve(sha)));
      expect(read.error).toBeInstanceOf(CorruptReadError);
      expect(read.bytes.length).toBeLessThan(bytes.length);
      expect(await counter(f.metrics, 'hoard_corrupt_reads_total', { problem: 'corrupt' })).toBe(1);
      expect((await entry(sha))!.quarantined_at).not.toBeNull();
      expect([...f.store.quarantined.values()].map((b) => b.equals(bad))).toEqual([true]);
      await expect(sut().resolve(sha)).rejects.toMatchObject({ code: 'not_found' });
      expect(await sut().missing([sha])).toEqual([sha]);

      await expect(sut().put(sha, Readable.from([bytes]))).resolves.toMatchObject({ created: true });
      expect((await entry(sha))!.quarantined_at).toBeNull();
      expect((await drain(await sut().open(await sut().resolve(sha)))).bytes.equals(bytes)).toBe(true);
    });

    it('quarantines a truncated copy found by a full read and a missing one found by any read', async () => {
      const short = content(2000);
      await sut().put(short.sha, Readable.from([short.bytes]));
      f.store.corrupt(short.sha, short.bytes.subarray(0, 1500));
      const read = await drain(await sut().open(await sut().resolve(short.sha)));
      expect(read.error).toMatchObject({ problem: 'truncated' });

      const gone = content(2000);
      await sut().put(gone.sha, Readable.from([gone.bytes]));
      const blob = await sut().resolve(gone.sha);
      await f.store.delete(gone.sha);
      await expect(sut().open(blob, { start: 0, end: 9 })).rejects.toMatchObject({ code: 'not_found' });
      expect(await sut().missing([short.sha, gone.sha])).toEqual([short.sha, gone.sha]);
      expect(await counter(f.metrics, 'hoard_corrupt_reads_total')).toBe(2);
    });

    it('answers HEAD of a copy of the wrong size or a missing one with not_found, quarantining it', async () => {
      const { bytes, sha } = content(800);
      await sut().put(sha, Readable.from([bytes]));
      f.store.corrupt(sha, Buffer.concat([bytes, Buffer.from('tail')]));
      await expect(sut().resolveStored(sha)).rejects.toMatchObject({ code: 'not_found' });
      expect((await entry(sha))!.quarantined_at).not.toBeNull();
      expect(await f.store.stat(sha)).toBeNull();
      await sut().put(sha, Readable.from([bytes]));
      await expect(sut().resolveStored(sha)).resolves.toEqual({ sha256: sha, size: 800 });
    });

    it('heals with a PUT registered content whose stored copy has the wrong size or is missing', async () => {
      const wrong = content(900);
      await sut().put(wrong.sha, Readable.from([wrong.bytes]));
      f.store.corrupt(wrong.sha, wrong.bytes.subarray(0, 10));
      await expect(sut().put(wrong.sha, Readable.from([wrong.bytes]))).resolves.toMatchObject({ created: true });
      expect(await f.store.stat(wrong.sha)).toEqual({ sha256: wrong.sha, size: 900 });

      const missing = content(900);
      await sut().put(missing.sha, Readable.from([missing.bytes]));
      await f.store.delete(missing.sha);
      await expect(sut().put(missing.sha, Readable.from([missing.bytes]))).resolves.toMatchObject({ created: true });
      expect((await drain(await sut().open(await sut().resolve(missing.sha)))).bytes.equals(missing.bytes)).toBe(true);
    });

    it('does not verify a ranged read (it cannot), and serves the empty content without the store', async () => {
      const { bytes, sha } = content(100);
      await sut().put(sha, Readable.from([bytes]));
      f.store.corrupt(sha, Buffer.alloc(100));
      expect((await drain(await sut().open(await sut().resolve(sha), { start: 0, end: 3 }))).bytes).toEqual(Buffer.alloc(4));
      expect((await drain(await sut().open(await sut().resolve(EMPTY)))).bytes.length).toBe(0);
    });
  });

  it('lets a full blob store answer insufficient_storage and counts it', async () => {
    const { bytes, sha } = content(100);
    jest.spyOn(f.store, 'put').mockRejectedValueOnce(new HoardError('insufficient_storage', 'The blob store is full'));
    await expect(sut().put(sha, Readable.from([bytes]))).rejects.toMatchObject({ code: 'insufficient_storage' });
    expect(await counter(f.metrics, 'hoard_blob_uploads_total', { result: 'insufficient_storage' })).toBe(1);
    expect(await entry(sha)).toBeUndefined();
  });

  it('counts an upload its client cut off as aborted, and a body shorter than declared from a client still there as invalid_request', async () => {
    const { bytes, sha } = content(200_000);
    await expect(sut().put(sha, interruptedStream(bytes, 100_000), undefined, () => true)).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(sut().put(sha, Readable.from([bytes.subarray(0, 10)]), bytes.length, () => false)).rejects.toMatchObject({
      code: 'invalid_request',
    });
    expect(await counter(f.metrics, 'hoard_blob_uploads_total', { result: 'aborted' })).toBe(1);
    expect(await counter(f.metrics, 'hoard_blob_uploads_total', { result: 'invalid_request' })).toBe(1);
    expect(await f.store.stat(sha)).toBeNull();
  });
});

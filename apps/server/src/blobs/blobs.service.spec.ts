import { EMPTY_SHA256, HoardError, type Sha256 } from '@app/contracts';
import { interruptedStream } from '@app/storage/testing/blob-bodies';
import { PassThrough, Readable } from 'node:stream';
import { content, counter, drain, ServiceFixture, serviceFixture, watchedBody } from '../testing/service-fixtures';
import { CorruptReadError } from './verified-read';

describe('BlobsService', () => {
  let f: ServiceFixture;
  beforeEach(async () => (f = await serviceFixture()));
  afterEach(() => f.close());

  const sut = () => f.blobs;
  const entry = async (sha: Sha256) => (await f.metadata.getBlobs([sha])).get(sha);

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
      const empty = EMPTY_SHA256;
      expect((await drain(await sut().open(await sut().resolve(empty)))).bytes.length).toBe(0);
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
    await expect(sut().put(sha, interruptedStream(bytes, 100_000), undefined, () => true)).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(sut().put(sha, Readable.from([bytes.subarray(0, 10)]), bytes.length, () => false)).rejects.toMatchObject({
      code: 'invalid_request',
    });
    expect(await counter(f.metrics, 'hoard_blob_uploads_total', { result: 'aborted' })).toBe(1);
    expect(await counter(f.metrics, 'hoard_blob_uploads_total', { result: 'invalid_request' })).toBe(1);
    expect(await f.store.stat(sha)).toBeNull();
  });

});

import { EMPTY_SHA256, type Sha256 } from '@app/contracts';
import type { BlobStore } from '../blob-store';
import { collect, interruptedStream, randomBlob, readAll, streamOf } from './blob-bodies';
import { useFreshSubject } from './contract-subject';

/** What a contract run needs from a driver: a fresh, initialised, empty store and a way to dispose of it. */
export type BlobStoreFactory = () => Promise<{ sut: BlobStore; cleanup(): Promise<void> }>;

/**
 * The one behaviour suite every BlobStore driver passes (local-fs, memory, s3): verification before
 * visibility, never overwriting a stored blob, limits, interrupted bodies, concurrency, ranges and listing.
 */
export function describeBlobStoreContract(name: string, factory: BlobStoreFactory): void {
  describe(`BlobStore contract: ${name}`, () => {
    let sut: BlobStore;
    useFreshSubject(factory, (fresh) => (sut = fresh));

    it('stores a verified body, reads it back, and answers created:false to a repeat', async () => {
      const { bytes, sha } = randomBlob(300_001);
      const size = bytes.length;
      await expect(sut.put(sha, streamOf(bytes))).resolves.toEqual({ sha256: sha, size, created: true });
      expect(await readAll(await sut.read(sha))).toEqual(bytes);
      await expect(sut.stat(sha)).resolves.toEqual({ sha256: sha, size });
      await expect(sut.put(sha, streamOf(bytes))).resolves.toEqual({ sha256: sha, size, created: false });
      expect(await readAll(await sut.read(sha))).toEqual(bytes);
    });

    it('stores a body larger than one S3 part, delivered in odd-sized chunks', async () => {
      const { bytes, sha } = randomBlob(6 * 1024 * 1024 + 12_345);
      const result = await sut.put(sha, streamOf(bytes, 100_003));
      expect(result).toEqual({ sha256: sha, size: bytes.length, created: true });
      expect((await readAll(await sut.read(sha))).equals(bytes)).toBe(true);
    });

    it('rejects a digest that is not 64 hex characters from an untyped caller, building no path from it', async () => {
      const body = streamOf(Buffer.from('x'));
      await expect(sut.put('../etc/passwd' as Sha256, body)).rejects.toMatchObject({ code: 'invalid_digest' });
      await expect(sut.read('0'.repeat(63) as Sha256)).rejects.toMatchObject({ code: 'invalid_digest' });
    });

    it('stores nothing when the body does not match its digest', async () => {
      const good = randomBlob(70_000);
      const bad = randomBlob(70_000);
      await expect(sut.put(good.sha, streamOf(bad.bytes))).rejects.toMatchObject({
        code: 'digest_mismatch',
        details: { expected: good.sha, actual: bad.sha },
      });
      await expect(sut.stat(good.sha)).resolves.toBeNull();
      await expect(sut.stat(bad.sha)).resolves.toBeNull();
      expect(await collect(sut.list())).toEqual([]);
    });

    it('keeps a stored blob intact when a wrong body is uploaded under its digest', async () => {
      const good = randomBlob(50_000);
      await sut.put(good.sha, streamOf(good.bytes));
      const wrong = randomBlob(50_000);
      await expect(sut.put(good.sha, streamOf(wrong.bytes))).rejects.toMatchObject({ code: 'digest_mismatch' });
      expect(await readAll(await sut.read(good.sha))).toEqual(good.bytes);
    });

    it('rejects a body over maxBytes with payload_too_large and stores nothing', async () => {
      const { bytes, sha } = randomBlob(200_000);
      await expect(sut.put(sha, streamOf(bytes), { maxBytes: 199_999 })).rejects.toMatchObject({
        code: 'payload_too_large',
      });
      await expect(sut.stat(sha)).resolves.toBeNull();
      await expect(sut.put(sha, streamOf(bytes), { maxBytes: 200_000 })).resolves.toMatchObject({ created: true });
    });

    it('rejects a body shorter or longer than its declared size and stores nothing', async () => {
      const { bytes, sha } = randomBlob(100_000);
      await expect(sut.put(sha, streamOf(bytes), { expectedSize: 100_001 })).rejects.toMatchObject({
        code: 'invalid_request',
      });
      await expect(sut.put(sha, streamOf(bytes), { expectedSize: 99_999 })).rejects.toMatchObject({
        code: 'invalid_request',
      });
      await expect(sut.stat(sha)).resolves.toBeNull();
      await expect(sut.put(sha, streamOf(bytes), { expectedSize: 100_000 })).resolves.toMatchObject({ created: true });
    });

    it('treats a body that fails or is aborted midway as an interrupted upload and stores nothing', async () => {
      const { bytes, sha } = randomBlob(500_000);
      const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      await expect(sut.put(sha, interruptedStream(bytes, 200_000, reset))).rejects.toMatchObject({
        code: 'invalid_request',
      });
      await expect(sut.put(sha, interruptedStream(bytes, 300_000))).rejects.toMatchObject({ code: 'invalid_request' });
      await expect(sut.stat(sha)).resolves.toBeNull();
      expect(await collect(sut.list())).toEqual([]);
    });

    it('keeps a stored blob intact when a re-upload of it is interrupted', async () => {
      const { bytes, sha } = randomBlob(400_000);
      await sut.put(sha, streamOf(bytes));
      await expect(sut.put(sha, interruptedStream(bytes, 100_000, new Error('reset')))).rejects.toMatchObject({
        code: 'invalid_request',
      });
      expect(await readAll(await sut.read(sha))).toEqual(bytes);
    });

    it('lets 50 concurrent uploads of one digest all succeed and leaves one blob', async () => {
      const { bytes, sha } = randomBlob(256 * 1024);
      const results = await Promise.all(Array.from({ length: 50 }, () => sut.put(sha, streamOf(bytes, 16 * 1024))));
      expect(results.every((r) => r.sha256 === sha && r.size === bytes.length)).toBe(true);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await collect(sut.list())).toEqual([{ sha256: sha, size: bytes.length }]);
      expect(await readAll(await sut.read(sha))).toEqual(bytes);
    });

    it('stores and reads the empty blob', async () => {
      await expect(sut.put(EMPTY_SHA256, streamOf(Buffer.alloc(0)))).resolves.toEqual({
        sha256: EMPTY_SHA256,
        size: 0,
        created: true,
      });
      await expect(sut.stat(EMPTY_SHA256)).resolves.toEqual({ sha256: EMPTY_SHA256, size: 0 });
      expect((await readAll(await sut.read(EMPTY_SHA256))).length).toBe(0);
    });

    it('reads inclusive ranges: the first byte, the last bytes, the middle, and refuses one past the end', async () => {
      const { bytes, sha } = randomBlob(10_000);
      await sut.put(sha, streamOf(bytes));
      expect(await readAll(await sut.read(sha, { start: 0, end: 0 }))).toEqual(bytes.subarray(0, 1));
      expect(await readAll(await sut.read(sha, { start: 9_990, end: 9_999 }))).toEqual(bytes.subarray(9_990));
      expect(await readAll(await sut.read(sha, { start: 1_234, end: 5_677 }))).toEqual(bytes.subarray(1_234, 5_678));
      await expect(sut.read(sha, { start: 9_000, end: 10_000 })).rejects.toMatchObject({
        code: 'range_not_satisfiable',
      });
    });

    it('answers for an absent blob: read not_found, stat null, delete false', async () => {
      const { sha } = randomBlob(10);
      await expect(sut.read(sha)).rejects.toMatchObject({ code: 'not_found' });
      await expect(sut.stat(sha)).resolves.toBeNull();
      await expect(sut.delete(sha)).resolves.toBe(false);
    });

    it('deletes several blobs at once, telling which existed, and leaves every other one', async () => {
      const blobs = [randomBlob(10), randomBlob(2000), randomBlob(70_000), randomBlob(5)];
      for (const { bytes, sha } of blobs.slice(0, 3)) await sut.put(sha, streamOf(bytes));
      const absent = blobs[3].sha;
      await expect(sut.deleteMany([blobs[0].sha, absent, blobs[2].sha])).resolves.toEqual([true, false, true]);
      await expect(sut.stat(blobs[0].sha)).resolves.toBeNull();
      await expect(sut.stat(blobs[2].sha)).resolves.toBeNull();
      await expect(sut.stat(blobs[1].sha)).resolves.toMatchObject({ size: 2000 });
      await expect(sut.deleteMany([])).resolves.toEqual([]);
    });

    it('deletes a blob, after which it is absent and can be stored again', async () => {
      const { bytes, sha } = randomBlob(5_000);
      await sut.put(sha, streamOf(bytes));
      await expect(sut.delete(sha)).resolves.toBe(true);
      await expect(sut.stat(sha)).resolves.toBeNull();
      await expect(sut.read(sha)).rejects.toMatchObject({ code: 'not_found' });
      await expect(sut.delete(sha)).resolves.toBe(false);
      await expect(sut.put(sha, streamOf(bytes))).resolves.toMatchObject({ created: true });
    });

    it('lists every blob in ascending digest order, resuming after a digest and stopping at a limit', async () => {
      const blobs = Array.from({ length: 7 }, (_, i) => randomBlob(100 + i));
      for (const blob of blobs) await sut.put(blob.sha, streamOf(blob.bytes));
      const expected = blobs.map((b) => ({ sha256: b.sha, size: b.bytes.length })).sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
      expect(await collect(sut.list())).toEqual(expected);
      expect(await collect(sut.list({ after: expected[2].sha256 }))).toEqual(expected.slice(3));
      expect(await collect(sut.list({ limit: 2 }))).toEqual(expected.slice(0, 2));
      expect(await collect(sut.list({ after: expected[1].sha256, limit: 3 }))).toEqual(expected.slice(2, 5));
      expect(await collect(sut.list({ after: expected[6].sha256 }))).toEqual([]);
    });

    it("quarantines a blob: no longer read, stat'ed or listed, stored afresh by the next upload", async () => {
      const kept = randomBlob(3_000);
      const { bytes, sha } = randomBlob(6_000);
      await sut.put(kept.sha, streamOf(kept.bytes));
      await sut.put(sha, streamOf(bytes));
      await expect(sut.quarantine(sha)).resolves.toBe(true);
      await expect(sut.stat(sha)).resolves.toBeNull();
      await expect(sut.read(sha)).rejects.toMatchObject({ code: 'not_found' });
      expect(await collect(sut.list())).toEqual([{ sha256: kept.sha, size: kept.bytes.length }]);
      await expect(sut.quarantine(sha)).resolves.toBe(false);
      await expect(sut.put(sha, streamOf(bytes))).resolves.toEqual({ sha256: sha, size: bytes.length, created: true });
      expect(await readAll(await sut.read(sha))).toEqual(bytes);
      await expect(sut.quarantine(sha)).resolves.toBe(true);
      expect(await collect(sut.list())).toEqual([{ sha256: kept.sha, size: kept.bytes.length }]);
    });

    it('answers ping when reachable', async () => {
      await expect(sut.ping()).resolves.toBeUndefined();
    });
  });
}

import { HoardError } from '@app/contracts';
import { Readable } from 'node:stream';
import { content, drain, ServiceFixture, serviceFixture } from '../testing/service-fixtures';
import { ObjectsService } from './objects.service';

const body = (bytes: Buffer | string) => Readable.from([Buffer.from(bytes)]);

/** The error a call fails with (a HoardError), or null. */
async function failure(call: Promise<unknown>): Promise<HoardError | null> {
  try {
    await call;
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(HoardError);
    return error as HoardError;
  }
}

const T0 = Date.UTC(2026, 0, 1);

describe('ObjectsService', () => {
  let f: ServiceFixture;
  let sut: ObjectsService;

  beforeEach(async () => {
    // Timers and the clock are the test's; the event loop's own queues stay real (streams and SQLite use them).
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    f = await serviceFixture({ objectSweepSeconds: 60 });
    sut = f.objects;
  });
  afterEach(async () => {
    await f.close();
    jest.useRealTimers();
  });

  const blobCount = async () => {
    let n = 0;
    for await (const _ of f.store.list()) n++;
    return n;
  };
  const recordCount = async () => (await f.metadata.listFiles({ namespace: 'bucket', includeDeleted: true, limit: 1000 })).items.length;

  describe('put', () => {
    it('stores the content once by digest and records each write as the next version', async () => {
      const first = await sut.put('jobs', 'out/1.zip', body('zip bytes'), { contentType: 'application/zip', metadata: { owner: 'w-1' } });
      expect(first).toEqual({
        bucket: 'jobs',
        key: 'out/1.zip',
        version: 1,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        size: 9,
        content_type: 'application/zip',
        metadata: { owner: 'w-1' },
        created_at: new Date(T0).toISOString(),
        expires_at: null,
        delete_after_download: false,
        deleted_at: null,
      });
      const second = await sut.put('jobs', 'out/1.zip', body('zip bytes'));
      const other = await sut.put('jobs', 'out/2.zip', body('zip bytes'));
      expect([second.version, second.content_type, other.version]).toEqual([2, 'application/octet-stream', 1]);
      expect(await blobCount()).toBe(1);
      expect(await f.blobs.missing([first.sha256 as never])).toEqual([]);
    });

    it('hashes a body larger than it holds in memory through a spool file, removed afterwards', async () => {
      const { bytes, sha } = content(3 * 1024 * 1024 + 17);
      const stored = await sut.put('big', 'blob', Readable.from([bytes.subarray(0, 100_000), bytes.subarray(100_000)]), {
        contentLength: bytes.length,
      });
      expect([stored.sha256, stored.size]).toEqual([sha, bytes.length]);
      const read = await sut.read('big', 'blob');
      expect((await drain(await read.open())).bytes.equals(bytes)).toBe(true);
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(`${f.settings.dataDir}/spool`)).toEqual([]);
    });

    it('streams a body sent with its digest straight to the store, and refuses one that does not match it', async () => {
      const { bytes, sha } = content(200_000);
      expect((await sut.put('b', 'k', body(bytes), { sha256: sha })).sha256).toBe(sha);
      const other = content(10);
      const mismatch = await failure(sut.put('b', 'other', body(other.bytes), { sha256: sha }));
      expect(mismatch?.code).toBe('digest_mismatch');
      expect([await blobCount(), await recordCount()]).toEqual([1, 1]);
    });

    it('refuses bad buckets, keys and metadata, storing nothing', async () => {
      const cases: Array<[string, string, Record<string, string>, string]> = [
        ['Bad', 'k', {}, 'bucket'],
        ['-b', 'k', {}, 'bucket'],
        ['b', '', {}, 'key'],
        ['b', 'a/../b', {}, 'key'],
        ['b', 'a//b', {}, 'key'],
        ['b', './a', {}, 'key'],
        ['b', 'a\u0000b', {}, 'key'],
        ['b', 'k'.repeat(1025), {}, 'key'],
        ['b', 'k', { big: 'x'.repeat(2048) }, 'X-Hoard-Meta-*'],
        ['b', 'k', { 'Not A Name': 'x' }, 'X-Hoard-Meta-*'],
      ];
      for (const [bucket, key, metadata, field] of cases) {
        const error = await failure(sut.put(bucket, key, body('never read'), { metadata }));
        expect([bucket, key, error?.code, (error?.details as { fields: Array<{ field: string }> }).fields[0].field]).toEqual([
          bucket,
          key,
          'validation_failed',
          field,
        ]);
      }
      expect([await blobCount(), await recordCount()]).toEqual([0, 0]);
    });

    it('refuses an expiry in the past, or both an expiry and a time to live', async () => {
      const past = await failure(sut.put('b', 'k', body('x'), { expiresAt: new Date(T0 - 1) }));
      const both = await failure(sut.put('b', 'k', body('x'), { expiresAt: new Date(T0 + 1000), ttlSeconds: 5 }));
      const zero = await failure(sut.put('b', 'k', body('x'), { ttlSeconds: 0 }));
      expect([past?.code, both?.code, zero?.code]).toEqual(['validation_failed', 'validation_failed', 'validation_failed']);
      expect(await recordCount()).toBe(0);
    });

    it('answers 410 for content that was taken down, recording nothing', async () => {
      const { bytes, sha } = content(50);
      await f.blobs.put(sha, body(bytes));
      await f.blobs.delete(sha);
      expect((await failure(sut.put('b', 'k', body(bytes))))?.code).toBe('gone');
      expect(await recordCount()).toBe(0);
    });
  });

  describe('read', () => {
    it('tells an object that never existed (404) from one deleted (410), and finds older versions', async () => {
      await sut.put('b', 'k', body('one'));
      await sut.put('b', 'k', body('two'));
      expect((await failure(sut.read('b', 'never')))?.code).toBe('not_found');
      expect((await failure(sut.read('b', 'k', 3)))?.code).toBe('not_found');
      expect((await drain(await (await sut.read('b', 'k', 1)).open())).bytes.toString()).toBe('one');
      await sut.delete('b', 'k');
      expect((await failure(sut.read('b', 'k')))?.code).toBe('gone');
      expect((await failure(sut.head('b', 'k')))?.code).toBe('gone');
      // Deleting the current version leaves the history readable by version.
      expect((await sut.read('b', 'k', 1)).object.version).toBe(1);
    });

    it('answers 410 from the moment an object expires, by time to live or by time', async () => {
      await sut.put('b', 'ttl', body('a'), { ttlSeconds: 30 });
      await sut.put('b', 'at', body('b'), { expiresAt: new Date(T0 + 60_000) });
      expect((await sut.read('b', 'ttl')).object.expires_at).toBe(new Date(T0 + 30_000).toISOString());
      jest.setSystemTime(T0 + 29_999);
      expect((await sut.head('b', 'ttl')).object.key).toBe('ttl');
      jest.setSystemTime(T0 + 30_000);
      expect((await failure(sut.read('b', 'ttl')))?.code).toBe('gone');
      expect((await sut.list('b', {})).items.map((o) => o.key)).toEqual(['at']);
      expect((await sut.list('b', { key: 'ttl' })).items).toEqual([]);
      jest.setSystemTime(T0 + 60_000);
      expect((await failure(sut.read('b', 'at')))?.code).toBe('gone');
      expect((await sut.list('b', {})).items).toEqual([]);
    });

    it('deletes a delete-after-download version once, on the first complete download; later reads answer 410', async () => {
      await sut.put('jobs', 'result', body('result'), { deleteAfterDownload: true });
      // Two downloads begun at once both get the whole content; exactly one of them deletes the version.
      const [a, b] = await Promise.all([sut.read('jobs', 'result'), sut.read('jobs', 'result')]);
      const calls = jest.spyOn(f.metadata, 'deleteVersionOnce');
      expect((await drain(await a.open())).bytes.toString()).toBe('result');
      expect((await drain(await b.open())).bytes.toString()).toBe('result');
      await Promise.all([a.downloaded(), b.downloaded()]);
      expect(await Promise.all(calls.mock.results.map((r) => r.value as Promise<boolean>))).toEqual([true, false]);
      expect((await failure(sut.read('jobs', 'result')))?.code).toBe('gone');
      expect((await sut.list('jobs', { key: 'result', versions: true })).items[0].deleted_at).toBe(new Date(T0).toISOString());
    });

    it('keeps an object without delete-after-download through any number of downloads', async () => {
      await sut.put('b', 'k', body('x'));
      for (let i = 0; i < 3; i++) await (await sut.read('b', 'k')).downloaded();
      expect((await sut.read('b', 'k')).object.deleted_at).toBeNull();
    });
  });

  describe('list, delete', () => {
    it('lists current objects by plain prefix and cursor, and every version of one key, newest first', async () => {
      for (const key of ['ws/u1/a', 'ws/u1/b', 'ws/u10/c', 'ws/u2/d', 'other']) await sut.put('b', key, body(key));
      await sut.put('b', 'ws/u1/a', body('again'));
      const first = await sut.list('b', { prefix: 'ws/u1', limit: 2 });
      expect(first.items.map((o) => o.key)).toEqual(['ws/u1/b', 'ws/u10/c']);
      const second = await sut.list('b', { prefix: 'ws/u1', limit: 2, cursor: first.next_cursor! });
      expect([second.items.map((o) => `${o.key}:v${o.version}`), second.next_cursor]).toEqual([['ws/u1/a:v2'], null]);
      expect((await sut.list('b', { key: 'ws/u1/a', versions: true })).items.map((o) => o.version)).toEqual([2, 1]);
      expect((await failure(sut.list('b', { versions: true })))?.code).toBe('validation_failed');
      expect((await failure(sut.list('b', { cursor: 'bogus' })))?.details).toEqual({
        fields: [{ field: 'cursor', errors: [expect.any(String)] }],
      });
    });

    it('deletes one object (404 when it never existed, nothing when it is gone already) or every one under a prefix', async () => {
      for (const key of ['ws/a/1', 'ws/a/2', 'ws/ab', 'ws/b']) await sut.put('b', key, body(key));
      await sut.delete('b', 'ws/b');
      await sut.delete('b', 'ws/b');
      expect((await failure(sut.delete('b', 'never')))?.code).toBe('not_found');
      expect(await sut.deleteByPrefix('b', 'ws/a/')).toBe(2);
      expect(await sut.deleteByPrefix('b', 'ws/')).toBe(1);
      expect((await failure(sut.deleteByPrefix('b', '')))?.code).toBe('validation_failed');
      expect((await sut.list('b', {})).items).toEqual([]);
    });
  });

  describe('sweep of expired objects', () => {
    it('marks expired versions deleted every sweep interval, and stops at shutdown', async () => {
      sut.onModuleInit();
      await sut.put('b', 'short', body('s'), { ttlSeconds: 30 });
      await sut.put('b', 'long', body('l'), { ttlSeconds: 90 });
      await sut.put('b', 'keep', body('k'));
      const deleted = async () =>
        (await f.metadata.listFiles({ namespace: 'bucket', includeDeleted: true, limit: 10 })).items
          .filter((o) => o.deleted_at !== null)
          .map((o) => o.filepath);
      await jest.advanceTimersByTimeAsync(59_999);
      expect(await deleted()).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(await deleted()).toEqual(['short']);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(await deleted()).toEqual(['short', 'long']);
      await sut.onApplicationShutdown();
      await sut.put('b', 'after', body('a'), { ttlSeconds: 1 });
      await jest.advanceTimersByTimeAsync(120_000);
      expect(await deleted()).toEqual(['short', 'long']);
    });

    it('does not sweep when the setting turns it off', async () => {
      const off = await serviceFixture({ objectSweepSeconds: 0 });
      try {
        off.objects.onModuleInit();
        await off.objects.put('b', 'short', body('s'), { ttlSeconds: 1 });
        await jest.advanceTimersByTimeAsync(3_600_000);
        expect((await off.metadata.objectVersion('b', 'short'))!.deleted_at).toBeNull();
        expect(await off.objects.sweepExpired()).toBe(1);
      } finally {
        await off.close();
      }
    });
  });
});

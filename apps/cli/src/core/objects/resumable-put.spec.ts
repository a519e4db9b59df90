import type { HoardClient, ObjectPutOptions, ResumableUploadOptions } from '@app/client';
import { HoardError, ObjectInfo } from '@app/contracts';
import { join } from 'node:path';
import { StateCache } from '../../io/state-cache/state-cache';
import { objectTarget } from '../../io/state-cache/upload-urls';
import { scratch } from '../../testing/scan-fixtures';
import { putResumable } from './resumable-put';

const { dir, remove } = scratch('hoard-resumable-put-');
afterAll(remove);

/** A server's resumable object uploads: each URL holds the bytes it received; `cut` breaks the next upload there. */
class FakeUploads implements Pick<HoardClient, 'putObjectResumable'> {
  readonly held = new Map<string, number>();
  readonly calls: Array<{ resumeUrl: string | null; options: ObjectPutOptions }> = [];
  cut: number | null = null;
  refuse: HoardError | null = null;

  async putObjectResumable(
    bucket: string,
    key: string,
    _path: string,
    size: number,
    options: ObjectPutOptions = {},
    resumable: ResumableUploadOptions = {},
  ): Promise<{ object: ObjectInfo; resumedFrom: number }> {
    this.calls.push({ resumeUrl: resumable.resumeUrl ?? null, options });
    let url = resumable.resumeUrl ?? null;
    if (!url || !this.held.has(url)) {
      url = `fake://uploads/${this.held.size + 1}`;
      this.held.set(url, 0);
      resumable.onUrl?.(url);
    }
    const resumedFrom = this.held.get(url)!;
    if (this.refuse) throw this.refuse;
    const reached = this.cut ?? size;
    this.cut = null;
    this.held.set(url, reached);
    resumable.onProgress?.(reached, size);
    if (reached < size) throw new HoardError('unavailable', 'cannot reach the server (connection reset)');
    this.held.delete(url);
    return { object: { bucket, key, version: 1, sha256: options.sha256!, size } as ObjectInfo, resumedFrom };
  }
}

describe('putResumable', () => {
  let cache: StateCache;
  beforeEach(() => (cache = new StateCache(join(dir, `c-${Date.now()}-${Math.random()}`), StateCache.scopeOf('http://s', 'h'))));
  afterEach(() => cache.close());
  const target = { bucket: 'backups', key: 'user-7/db.sqlite' };
  const file = { path: '/data/db.sqlite', sha256: 'c'.repeat(64), size: 1000 };
  const name = objectTarget(target.bucket, target.key, file.sha256);

  it('keeps the URL of a put cut short, and the next run continues it from the offset the server holds', async () => {
    const api = new FakeUploads();
    api.cut = 600;
    const sent: number[] = [];
    await expect(putResumable(api, cache.uploads, target, file, { ttlSeconds: 60 }, (n) => sent.push(n))).rejects.toMatchObject({
      code: 'unavailable',
    });
    expect(cache.uploads.get(name, 1000)).toBe('fake://uploads/1');
    const stored = await putResumable(api, cache.uploads, target, file, { ttlSeconds: 60 });
    expect(stored.resumedFrom).toBe(600);
    expect(api.calls.map((c) => [c.resumeUrl, c.options])).toEqual([
      [null, { ttlSeconds: 60, sha256: file.sha256 }],
      ['fake://uploads/1', { ttlSeconds: 60, sha256: file.sha256 }],
    ]);
    expect(sent).toEqual([600]);
    expect(cache.uploads.get(name, 1000)).toBeNull();
  });

  it('keeps uploads of the same content to other names apart, and forgets one refused for good', async () => {
    const api = new FakeUploads();
    api.cut = 100;
    await putResumable(api, cache.uploads, target, file, {}).catch(() => undefined);
    const other = { bucket: 'backups', key: 'user-8/db.sqlite' };
    expect(cache.uploads.get(objectTarget(other.bucket, other.key, file.sha256), 1000)).toBeNull();
    api.refuse = new HoardError('digest_mismatch', 'the content hashes to something else');
    await expect(putResumable(api, cache.uploads, target, file, {})).rejects.toMatchObject({ code: 'digest_mismatch' });
    expect(cache.uploads.get(name, 1000)).toBeNull();
  });
});

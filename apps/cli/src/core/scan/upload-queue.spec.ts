import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HoardError } from '@app/contracts';
import { FakeHoardClient } from '../../testing/fake-hoard-client';
import { scanContext, scratch, settled, sha } from '../../testing/scan-fixtures';
import { PendingRecord } from './scan-context';
import { ScanEvent } from './scan-events';
import { StateCache } from '../../io/state-cache/state-cache';
import { UploadOutcome, UploadQueue, UploadQueueOptions } from './upload-queue';

const { dir, remove } = scratch('hoard-upq-');
afterAll(remove);
const fp = { size: 1n, mtimeNs: 1n, ctimeNs: 1n, ino: 1n, dev: 1n };

/** A file `name` holding `content` (none written when null), as the scan hands it to the queue. */
function item(name: string, content: string | null = name, sha256 = sha(content ?? name)): PendingRecord {
  const path = join(dir, name);
  if (content !== null) writeFileSync(path, content);
  return { meta: { filepath: path, hostname: 'h', sha256, size: (content ?? name).length }, fp, fresh: true };
}

describe('UploadQueue', () => {
  let client: FakeHoardClient;
  let events: ScanEvent[];
  let outcomes: Array<[string, UploadOutcome]>;
  // Packs off unless a test turns them on: each file its own PUT.
  const make = (options: UploadQueueOptions = { packFileMax: 0 }) => {
    client = new FakeHoardClient();
    const made = scanContext(client);
    events = made.events;
    outcomes = [];
    return new UploadQueue(made.ctx, 2, (i, o) => outcomes.push([i.meta.filepath.slice(dir.length + 1), o]), options);
  };
  const sent = (route: 'putBlobFile' | 'putBlobPack') => client.calls.filter((c) => c.route === route).map((c) => c.arg);
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('sends each digest once in a run, even when copies arrive while it is being sent', async () => {
    const sut = make();
    const release = client.hold('putBlobFile');
    for (const [name, content] of [
      ['a', 'X'],
      ['b', 'X'],
      ['c', 'Y'],
      ['d', 'X'],
    ])
      await sut.push(item(name, content));
    release();
    await sut.drain();
    await sut.push(item('e', 'X'));
    await sut.drain();
    expect(sent('putBlobFile')).toEqual([sha('X'), sha('Y')]);
    expect(outcomes.sort()).toEqual([
      ['a', 'uploaded'],
      ['b', 'deduplicated'],
      ['c', 'uploaded'],
      ['d', 'deduplicated'],
      ['e', 'deduplicated'],
    ]);
  });

  it('lets a copy try again when the first upload of its digest failed', async () => {
    const sut = make();
    client.refuseNext(sha('X'), new HoardError('digest_mismatch', 'changed'));
    const release = client.hold('putBlobFile');
    await sut.push(item('a', 'X'));
    await sut.push(item('b', 'X'));
    release();
    await sut.drain();
    expect(sent('putBlobFile')).toEqual([sha('X'), sha('X')]);
    expect(outcomes).toEqual([
      ['a', 'failed'],
      ['b', 'uploaded'],
    ]);
    expect(events[0]).toEqual({
      event: 'failed',
      path: join(dir, 'a'),
      reason: 'changed during the scan (content no longer matches its digest)',
    });
  });

  it('reports a file gone before its upload as vanished, not failed', async () => {
    const sut = make();
    await sut.push(item('gone', null));
    await sut.drain();
    expect(outcomes).toEqual([['gone', 'vanished']]);
    expect(events).toEqual([{ event: 'skipped', path: join(dir, 'gone'), reason: 'vanished during the scan (before its upload)' }]);
  });

  describe('packs of small files', () => {
    it('sends small files together, read whole, up to the file count of a pack; large files on their own', async () => {
      const sut = make({ packFileMax: 4, packFiles: 2, packDelayMs: 10_000 });
      for (const name of ['p1', 'p2', 'p3', 'large1']) await sut.push(item(name));
      await sut.drain();
      expect(sent('putBlobPack')).toEqual([[`${sha('p1')}=p1`, `${sha('p2')}=p2`], [`${sha('p3')}=p3`]]);
      expect(sent('putBlobFile')).toEqual([sha('large1')]);
      expect(outcomes.sort()).toEqual([
        ['large1', 'uploaded'],
        ['p1', 'uploaded'],
        ['p2', 'uploaded'],
        ['p3', 'uploaded'],
      ]);
      expect(events.filter((e) => e.event === 'uploaded')).toHaveLength(4);
    });

    it('sends a partly filled pack once its delay is over, without waiting for the drain', async () => {
      const sut = make({ packFileMax: 4, packDelayMs: 20 });
      await sut.push(item('q1'));
      await jest.advanceTimersByTimeAsync(19);
      expect(sent('putBlobPack')).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(sent('putBlobPack')).toEqual([[`${sha('q1')}=q1`]]);
      expect(outcomes).toEqual([['q1', 'uploaded']]);
      await sut.drain();
    });

    it('fails only the refused part of a pack, and a copy of it may try again', async () => {
      const sut = make({ packFileMax: 4, packFiles: 2, packDelayMs: 10_000 });
      client.refuseNext(sha('bb'), new HoardError('digest_mismatch', 'changed'));
      for (const [name, content] of [
        ['r1', 'aa'],
        ['r2', 'bb'],
        ['r3', 'bb'],
      ])
        await sut.push(item(name, content));
      await sut.drain();
      expect(sent('putBlobPack')).toEqual([[`${sha('aa')}=aa`, `${sha('bb')}=bb`], [`${sha('bb')}=bb`]]);
      expect(outcomes).toEqual([
        ['r1', 'uploaded'],
        ['r2', 'failed'],
        ['r3', 'uploaded'],
      ]);
      expect(events.filter((e) => e.event === 'failed')).toEqual([
        { event: 'failed', path: join(dir, 'r2'), reason: 'changed during the scan (content no longer matches its digest)' },
      ]);
    });

    it('reports a small file gone, or grown, before its pack left, and sends the rest', async () => {
      const sut = make({ packFileMax: 4, packDelayMs: 10_000 });
      const grown = item('s2');
      writeFileSync(grown.meta.filepath, 's2-longer');
      await sut.push(item('s1'));
      await sut.push(grown);
      await sut.push(item('s3', null));
      await sut.drain();
      expect(sent('putBlobPack')).toEqual([[`${sha('s1')}=s1`]]);
      expect(outcomes).toEqual([
        ['s1', 'uploaded'],
        ['s2', 'failed'],
        ['s3', 'vanished'],
      ]);
    });

    it('fails every file of a pack whose request failed', async () => {
      const sut = make({ packFileMax: 4, packDelayMs: 10_000 });
      client.failNext('putBlobPack', new HoardError('internal_error', 'boom'));
      await sut.push(item('t1'));
      await sut.push(item('t2'));
      await sut.drain();
      expect(outcomes).toEqual([
        ['t1', 'failed'],
        ['t2', 'failed'],
      ]);
      expect(events).toEqual(['t1', 't2'].map((n) => ({ event: 'failed', path: join(dir, n), reason: 'upload failed: boom' })));
    });

    it('holds the producer back while more files than a few packs wait, copies of one content included', async () => {
      // Room for 2 packs of 2 files (one in flight, one filling): from the 5th file held on, push waits (the first
      // one's too, which goes on only after the others were taken).
      const sut = make({ packFileMax: 4, packFiles: 2, packsInFlight: 1, packDelayMs: 10_000 });
      const release = client.hold('putBlobPack');
      const pushed: number[] = [];
      const all = Array.from({ length: 7 }, (_, i) => sut.push(item(`h${i}`, 'same')).then(() => pushed.push(i)));
      await settled();
      expect(pushed).toEqual([1, 2, 3]);
      expect(sent('putBlobPack')).toEqual([[`${sha('same')}=same`]]);
      release();
      await Promise.all(all);
      await sut.drain();
      expect(pushed.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(sent('putBlobPack')).toEqual([[`${sha('same')}=same`]]);
      expect(outcomes.map(([n, o]) => `${n}:${o}`)).toEqual(['h0:uploaded', ...[1, 2, 3, 4, 5, 6].map((i) => `h${i}:deduplicated`)]);
    });

    it('falls back to one PUT a file, for this file and every later one, when the server has no pack route', async () => {
      const sut = make({ packFileMax: 4, packFiles: 2, packDelayMs: 10_000 });
      client.packRoute = false;
      for (const name of ['o1', 'o2', 'o3']) await sut.push(item(name));
      await sut.drain();
      expect(client.routes()).toEqual(['putBlobPack', 'putBlobFile', 'putBlobFile', 'putBlobFile']);
      expect(sent('putBlobFile')).toEqual([sha('o1'), sha('o2'), sha('o3')]);
      expect(outcomes).toEqual([
        ['o1', 'uploaded'],
        ['o2', 'uploaded'],
        ['o3', 'uploaded'],
      ]);
      expect(events.filter((e) => e.event === 'failed')).toEqual([]);
    });
  });

  describe('resumable uploads', () => {
    let cache: StateCache;
    const makeResumable = (fake?: FakeHoardClient) => {
      client = fake ?? new FakeHoardClient();
      const made = scanContext(client, { cache });
      events = made.events;
      outcomes = [];
      return {
        ctx: made.ctx,
        sut: new UploadQueue(made.ctx, 2, (i, o) => outcomes.push([i.meta.filepath.slice(dir.length + 1), o]), {
          packFileMax: 0,
          resumableMin: 10,
        }),
      };
    };
    beforeEach(() => (cache = new StateCache(join(dir, `cache-${Date.now()}-${Math.random()}`), StateCache.scopeOf('http://s', 'h'))));
    afterEach(() => cache.close());

    it('sends files of the threshold and more resumably, and forgets their URL once stored', async () => {
      const { sut } = makeResumable();
      await sut.push(item('big', 'x'.repeat(10)));
      await sut.push(item('small', 'y'.repeat(9)));
      await sut.drain();
      expect(client.routes().sort()).toEqual(['putBlobFile', 'putBlobResumable']);
      expect(client.blobs.get(sha('x'.repeat(10)))?.toString()).toBe('x'.repeat(10));
      expect(cache.uploads.get(sha('x'.repeat(10)), 10)).toBeNull();
      expect(outcomes.sort()).toEqual([
        ['big', 'uploaded'],
        ['small', 'uploaded'],
      ]);
    });

    it('keeps the URL of an upload cut short, and the next run continues it from the offset the server holds', async () => {
      const content = 'z'.repeat(100);
      const first = makeResumable();
      client.cutResumableAt = 60;
      await first.sut.push(item('big', content));
      await first.sut.drain();
      expect(outcomes).toEqual([['big', 'failed']]);
      const url = cache.uploads.get(sha(content), 100);
      expect(url).toEqual(expect.stringMatching(/^fake:\/\/uploads\//));
      expect(first.ctx.progress.sending).toEqual({ sent: 0, size: 0 });

      const next = makeResumable(client);
      await next.sut.push(item('big', content));
      await next.sut.drain();
      expect(outcomes).toEqual([['big', 'uploaded']]);
      expect(events).toEqual([{ event: 'uploaded', path: join(dir, 'big'), sha256: sha(content), bytes: 100, resumed_from: 60 }]);
      expect(client.blobs.get(sha(content))?.toString()).toBe(content);
      expect(cache.uploads.get(sha(content), 100)).toBeNull();
    });

    it('forgets the URL of an upload the server refused for good', async () => {
      const { sut } = makeResumable();
      await sut.push(item('changed', 'w'.repeat(20), sha('something else')));
      await sut.drain();
      expect(outcomes).toEqual([['changed', 'failed']]);
      expect(cache.uploads.get(sha('something else'), 20)).toBeNull();
    });
  });
});

import { join } from 'node:path';
import { BatchResultItem, EMPTY_SHA256, HoardError } from '@app/contracts';
import { StateCache } from '../../io/state-cache/state-cache';
import { FakeHoardClient } from '../../testing/fake-hoard-client';
import { pendingFile, scanContext, scratch, sha } from '../../testing/scan-fixtures';
import { ConfirmBatch } from './confirm-batch';
import { ScanRecorder } from './scan-recorder';

describe('ScanRecorder', () => {
  let tmp: ReturnType<typeof scratch>;
  let client: FakeHoardClient;
  let cache: StateCache;
  const file = (name: string, content: string | null = name, extra = {}) => pendingFile(join(tmp.dir, name), content, extra);
  const make = (dryRun = false) => {
    const made = scanContext(client, { cache, dryRun });
    return { ...made, sut: new ScanRecorder(made.ctx, 2) };
  };
  const cachedId = (name: string) => cache.dir(tmp.dir)?.recordId(cache.dir(tmp.dir)!.indexOf(name));

  beforeEach(() => {
    tmp = scratch('hoard-recorder-');
    client = new FakeHoardClient();
    cache = new StateCache(join(tmp.dir, '.cache'), 'scope');
  });
  afterEach(() => {
    cache.close();
    tmp.remove();
  });

  it('records a batch, uploads only the content the server lacks, and remembers in the cache what it now holds', async () => {
    client.store(Buffer.from('stored'));
    client.store(Buffer.from('old'));
    const { sut, ctx, events } = make();
    await sut.send([file('new'), file('stored'), file('old', 'old', { fresh: false })]);
    await sut.drain();
    expect(client.routes()).toEqual(['recordBatch', 'putBlobPack']);
    expect(client.blobs.has(sha('new'))).toBe(true);
    expect(events).toEqual([{ event: 'uploaded', path: join(tmp.dir, 'new'), sha256: sha('new'), bytes: 3 }]);
    expect(ctx.summary()).toMatchObject({
      recorded: 3,
      new_versions: 3,
      uploaded: { files: 1, bytes: 3 },
      deduplicated: { files: 1, bytes: 6 },
    });
    expect(ctx.progress.checked).toEqual({ files: 3, bytes: 12 });
    // `old` was read before (not fresh): its content being there already is no saving of this run.
    expect(['new', 'stored', 'old'].map(cachedId)).toEqual(['1', '2', '3']);
  });

  it('counts a second recording of the same content as unchanged, not as a new version, and keeps a cached entry as it is', async () => {
    const { sut, ctx } = make();
    await sut.send([file('a')]);
    await sut.drain();
    const put = jest.spyOn(cache, 'putMany');
    await sut.send([file('a', 'a', { fresh: false, cached: true, recordId: '1' })]);
    await sut.send([file('a', 'a', { fresh: false, cached: true, recordId: 'stale-id' })]);
    await sut.drain();
    expect([ctx.progress.recorded, ctx.progress.newVersions]).toEqual([3, 1]);
    // Only the entry whose record id the server changed is written again.
    expect(put.mock.calls.map(([entries]) => entries.map((e) => e.recordId))).toEqual([['1']]);
  });

  it('never uploads the empty content, whatever the server says', async () => {
    const { sut } = make();
    const answer: BatchResultItem = {
      index: 0,
      id: '9',
      sha256: EMPTY_SHA256,
      status: 'created',
      upload_required: true,
      content_available: true,
    };
    jest.spyOn(client, 'recordBatch').mockResolvedValueOnce([answer]);
    await sut.send([file('empty', '')]);
    await sut.drain();
    expect(client.routes()).toEqual([]);
    expect(cachedId('empty')).toBe('9');
  });

  it('skips a file whose content was taken down, saying so on every scan (not cached)', async () => {
    client.takenDown.add(sha('bad'));
    const { sut, events } = make();
    await sut.send([file('bad')]);
    await sut.drain();
    expect(events).toEqual([{ event: 'skipped', path: join(tmp.dir, 'bad'), reason: 'taken down' }]);
    expect([client.routes(), cache.dir(tmp.dir)]).toEqual([['recordBatch'], null]);
  });

  it('fails the files of a refused batch, and stops the run instead when no request can succeed', async () => {
    const { sut, ctx, events } = make();
    client.failNext('recordBatch', new HoardError('internal_error', 'boom'));
    await sut.send([file('a'), file('b')]);
    expect(events).toEqual(['a', 'b'].map((n) => ({ event: 'failed', path: join(tmp.dir, n), reason: 'not recorded: boom' })));
    client.failNext('recordBatch', new HoardError('unauthorized', 'bad key'));
    await sut.send([file('c')]);
    await sut.drain();
    expect([events.length, ctx.fatal?.message, ctx.progress.failed]).toEqual([2, 'bad key', 2]);
  });

  it('in a dry run asks only which content is missing: each missing digest would be sent once, and nothing is recorded', async () => {
    client.store(Buffer.from('stored'));
    const { sut, ctx } = make(true);
    await sut.send([file('a', 'same'), file('b', 'same'), file('stored'), file('link', '', { fresh: false })]);
    await sut.drain();
    expect(client.calls).toEqual([{ route: 'missingBlobs', arg: [sha('same'), sha('stored')] }]);
    expect(ctx.summary()).toMatchObject({ recorded: 0, would_upload: { files: 1, bytes: 4 }, deduplicated: { files: 2, bytes: 10 } });
    expect(ctx.progress.checked.files).toBe(4);
    expect([client.records, cache.dir(tmp.dir)]).toEqual([[], null]);
  });

  describe('confirming unchanged files by record id', () => {
    const batchOf = (...items: ReturnType<typeof file>[]) => {
      const batch = new ConfirmBatch();
      for (const item of items) batch.add(item);
      return batch;
    };

    it('confirms current records, records stale ones again, and uploads content the server lost', async () => {
      const first = make();
      await first.sut.send([file('kept'), file('lost'), file('moved')]);
      await first.sut.drain();
      const { sut, ctx } = make();
      client.blobs.delete(sha('lost'));
      await client.markDeleted('h', [join(tmp.dir, 'moved')]);
      client.calls.length = 0;
      const ids = { kept: '1', lost: '2', moved: '3' };
      await sut.confirm(
        batchOf(...(['kept', 'lost', 'moved'] as const).map((n) => file(n, n, { fresh: false, cached: true, recordId: ids[n] }))),
      );
      await sut.drain();
      expect(client.calls.map((c) => [c.route, c.arg])).toEqual([
        ['confirmSeen', ['1', '2', '3']],
        ['recordBatch', [join(tmp.dir, 'moved')]],
        ['putBlobPack', [`${sha('lost')}=lost`]],
      ]);
      expect([ctx.progress.recorded, ctx.progress.newVersions, ctx.progress.uploaded.files, cachedId('moved')]).toEqual([3, 1, 1, '4']);
    });

    it('fails the files of a refused confirmation, and only checks in a dry run', async () => {
      const { sut, events } = make();
      client.failNext('confirmSeen', new HoardError('internal_error', 'boom'));
      await sut.confirm(batchOf(file('a', 'a', { recordId: '1' })));
      expect(events).toEqual([{ event: 'failed', path: join(tmp.dir, 'a'), reason: 'not confirmed: boom' }]);
      const dry = make(true);
      await dry.sut.confirm(batchOf(file('b', 'b', { recordId: '2' })));
      expect(client.routes()).toEqual(['confirmSeen', 'missingBlobs']);
    });
  });

  it('lists the files that vanished before their upload, for the deletions', async () => {
    const { sut } = make();
    await sut.send([
      file('here'),
      file('gone', null, { meta: { filepath: join(tmp.dir, 'gone'), hostname: 'h', sha256: sha('x'), size: 1 } }),
    ]);
    await sut.drain();
    expect(sut.vanished).toEqual([join(tmp.dir, 'gone')]);
    expect(cachedId('gone')).toBeUndefined();
  });
});

import { execFileSync } from 'node:child_process';
import { renameSync, rmSync, symlinkSync } from 'node:fs';
import { EMPTY_SHA256, HoardError } from '@app/contracts';
import { sha } from '../../testing/scan-fixtures';
import { ScanHarness } from '../../testing/scan-harness';

describe('ScanPipeline', () => {
  let h: ScanHarness;
  const record = (rel: string) => h.client.current('h', h.path(rel));
  const routes = () => h.client.routes();
  const nothing = { files: 0, bytes: 0 };

  beforeEach(() => {
    h = new ScanHarness();
    h.write('a.txt', 'alpha');
    h.write('dup.txt', 'alpha');
    h.write('sub/b.txt', 'beta');
    h.write('empty', '');
    symlinkSync('a.txt', h.path('link'));
    execFileSync('mkfifo', [h.path('fifo')]);
  });
  afterEach(() => h.close());

  it('records a new tree: each file read once, each content sent once, a link as a link, a FIFO skipped', async () => {
    const { summary, read, events } = await h.scan();
    expect(read).toEqual(['a.txt', 'dup.txt', 'empty', 'sub/b.txt']);
    expect(summary).toEqual({
      event: 'summary',
      dry_run: false,
      seen: 6,
      unchanged: 0,
      hashed: { files: 4, bytes: 14 },
      recorded: 5,
      new_versions: 5,
      uploaded: { files: 2, bytes: 9 },
      deduplicated: { files: 2, bytes: 5 },
      deleted: 0,
      skipped: 1,
      failed: 0,
      reasons: { FIFO: 1 },
    });
    expect(record('link')).toMatchObject({ type: 'symlink', link_target: 'a.txt', size: 0, sha256: EMPTY_SHA256 });
    expect([...h.client.blobs.keys()].sort()).toEqual([sha('alpha'), sha('beta')].sort());
    expect(events.filter((e) => e.event !== 'uploaded')).toEqual([{ event: 'skipped', path: h.path('fifo'), reason: 'FIFO (named pipe)' }]);
  });

  it('scans an unchanged tree again without reading a file or recording it again: one confirmation by record id', async () => {
    await h.scan();
    const { summary, read } = await h.scan();
    expect(read).toEqual([]);
    expect(routes()).toEqual(['confirmSeen']);
    expect((h.client.calls[0].arg as string[]).sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(summary).toMatchObject({ seen: 6, unchanged: 4, hashed: nothing, recorded: 5, new_versions: 0, uploaded: nothing, skipped: 1 });
  });

  it('reads a changed file and records its new version; knows a renamed file by its inode without reading it', async () => {
    await h.scan();
    h.write('sub/b.txt', 'beta, changed');
    renameSync(h.path('a.txt'), h.path('renamed.txt'));
    const { summary, read } = await h.scan();
    expect(read).toEqual(['sub/b.txt']);
    expect(summary).toMatchObject({ hashed: { files: 1, bytes: 13 }, new_versions: 2, uploaded: { files: 1, bytes: 13 }, deleted: 1 });
    expect([record('sub/b.txt')?.version, record('renamed.txt')?.sha256, record('a.txt')?.deleted_at]).toEqual([
      2,
      sha('alpha'),
      expect.any(String),
    ]);
    expect(h.client.calls.find((c) => c.route === 'markDeleted')?.arg).toEqual([h.path('a.txt')]);
  });

  it('records again by batch an unchanged file whose cache entry knows no record id', async () => {
    await h.scan();
    const entry = h.cache!.dir(h.root)!.entry(h.cache!.dir(h.root)!.indexOf('dup.txt'));
    h.cache!.putMany([{ ...entry, recordId: null }]);
    const { read } = await h.scan();
    expect(read).toEqual([]);
    expect(h.client.calls.filter((c) => c.route === 'recordBatch').map((c) => c.arg)).toEqual([[h.path('dup.txt')]]);
  });

  it('reports the files and directories gone since the last scan, and forgets them in the cache', async () => {
    await h.scan();
    rmSync(h.path('sub'), { recursive: true });
    rmSync(h.path('dup.txt'));
    const { summary, events } = await h.scan();
    expect(h.client.calls.filter((c) => c.route === 'markDeleted').map((c) => c.arg)).toEqual([[h.path('dup.txt'), h.path('sub/b.txt')]]);
    expect([summary.deleted, events.filter((e) => e.event === 'deleted').length]).toEqual([2, 2]);
    expect([h.cache!.dir(h.path('sub')), h.cache!.dir(h.root)!.indexOf('dup.txt')]).toEqual([null, -1]);
  });

  it('leaves deletions alone without tracking, and in a dry run', async () => {
    await h.scan();
    rmSync(h.path('dup.txt'));
    expect((await h.scan({ trackDeletions: false })).summary.deleted).toBe(0);
    expect((await h.scan({ dryRun: true })).summary.deleted).toBe(0);
    expect(routes()).not.toContain('markDeleted');
    expect(record('dup.txt')?.deleted_at).toBeNull();
  });

  it("compares with the server's records when the cache knows nothing of the root", async () => {
    await h.scan();
    rmSync(h.path('dup.txt'));
    h.cache!.close();
    h.cache = null;
    const { summary } = await h.scan();
    expect(summary.deleted).toBe(1);
    expect(h.client.calls.filter((c) => c.route !== 'recordBatch').map((c) => [c.route, c.arg])).toEqual([
      ['iterateFiles', { hostname: 'h', path_prefix: h.root, limit: 200 }],
      ['markDeleted', [h.path('dup.txt')]],
    ]);
  });

  it("asks for the server's records of many roots 16 at a time, and finishes the scan once all are read", async () => {
    const names = Array.from({ length: 20 }, (_, i) => `many/f${String(i).padStart(2, '0')}`);
    for (const name of names) h.write(name, name);
    h.cache!.close();
    h.cache = null;
    const release = h.client.hold('iterateFiles');
    const scanned = h.scan({ paths: names.map((name) => h.path(name)) });
    const listings = () => h.client.calls.filter((c) => c.route === 'iterateFiles').length;
    for (let turn = 0; turn < 1000 && listings() < 16; turn++) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(listings()).toBe(16);
    release();
    const { summary } = await scanned;
    expect([summary.recorded, summary.deleted, listings()]).toEqual([20, 0, 20]);
  });

  it('lists a root again after the walk when its first listing failed, and fails the scan at the first that fails again', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `many/f${i}`);
    for (const name of names) h.write(name, name);
    h.cache!.close();
    h.cache = null;
    for (let i = 0; i < 21; i++) h.client.failNext('iterateFiles', new HoardError('unavailable', 'the server went away'));
    await expect(h.scan({ paths: names.map((name) => h.path(name)) })).rejects.toThrow('the server went away');
    // 20 listings as the walks began, then 16 at once after it: the first of those fails and no more are asked for.
    expect(h.client.calls.filter((c) => c.route === 'iterateFiles').length).toBe(36);
  });

  it('lists nothing after the walk when the server held nothing under the root as it began', async () => {
    h.cache!.close();
    h.cache = null;
    const { summary } = await h.scan();
    expect(summary.recorded).toBe(5);
    // Listed once, before anything was recorded: not again after the walk, when every record is this scan's own.
    const asked = h.client.calls.filter((c) => c.route === 'iterateFiles' || c.route === 'recordBatch');
    expect(asked.map((c) => [c.route, c.route === 'iterateFiles' ? c.arg : null])).toEqual([
      ['iterateFiles', { hostname: 'h', path_prefix: h.root, limit: 200 }],
      ['recordBatch', null],
    ]);
  });

  it('lists the root again after the walk when its records fill more than a page', async () => {
    for (let i = 0; i < 200; i++) h.write(`bulk/f${String(i).padStart(3, '0')}`, `b${i}`);
    await h.scan();
    rmSync(h.path('bulk/f150'));
    h.cache!.close();
    h.cache = null;
    const { summary } = await h.scan();
    expect(summary.deleted).toBe(1);
    expect(h.client.calls.filter((c) => c.route === 'markDeleted').map((c) => c.arg)).toEqual([[h.path('bulk/f150')]]);
    // A page as the walk began (200 records: more may follow), then the whole listing after it.
    expect(h.client.calls.filter((c) => c.route === 'iterateFiles').length).toBe(2);
  });

  it('fails a file that changed while it was read, recording nothing of it', async () => {
    h.changing.add(h.path('sub/b.txt'));
    const { summary, events } = await h.scan();
    expect(events).toContainEqual({
      event: 'failed',
      path: h.path('sub/b.txt'),
      reason: 'changed while it was read; scan again to record it',
    });
    expect([summary.failed, summary.recorded, record('sub/b.txt')]).toEqual([1, 4, undefined]);
  });

  it('in a dry run records, uploads and caches nothing, and counts what would be sent', async () => {
    const { summary } = await h.scan({ dryRun: true });
    expect(summary).toMatchObject({ dry_run: true, recorded: 0, uploaded: nothing, would_upload: { files: 2, bytes: 9 } });
    expect([routes(), h.client.records, h.cache!.dirsUnder(h.root)]).toEqual([['missingBlobs'], [], []]);
  });

  it('refuses a root that is not there before anything is sent', async () => {
    const missing = h.path('nowhere');
    const err = await h.scan({ paths: [missing] }).catch((e: HoardError) => e);
    expect([(err as HoardError).code, (err as HoardError).message]).toEqual([
      'invalid_request',
      `cannot scan ${missing}: no such file or directory`,
    ]);
    expect(routes()).toEqual([]);
  });
});

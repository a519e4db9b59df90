import { lstatSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { scanContext, sha } from '../../testing/scan-fixtures';
import { ScanHarness } from '../../testing/scan-harness';
import { ScanOptions } from '../scan/scan-pipeline';
import { BatchScan } from './batch-scan';
import { DeferredChange } from './settle-queue';

describe('BatchScan', () => {
  let h: ScanHarness;
  let sut: BatchScan;
  const options: ScanOptions = {
    excludes: ['*.tmp', 'cache/'],
    followSymlinks: false,
    concurrency: 2,
    trackDeletions: true,
    native: false,
  };
  const make = (o: Partial<ScanOptions> = {}) => new BatchScan([h.root], h.hasher, { ...options, ...o });
  const context = (o: { dryRun?: boolean; cached?: boolean } = {}) =>
    scanContext(h.client, { cache: o.cached === false ? null : h.cache, dryRun: o.dryRun });
  const record = (rel: string) => h.client.current('h', h.path(rel));
  const changed = (...rels: string[]) => rels.map((rel) => ({ path: h.path(rel), created: false }));
  const created = (...rels: string[]) => rels.map((rel) => ({ path: h.path(rel), created: true }));

  beforeEach(() => {
    h = new ScanHarness();
    h.write('a.txt', 'alpha');
    h.write('sub/b.txt', 'beta');
    h.write('cache/c.txt', 'excluded');
    h.write('x.tmp', 'excluded');
    sut = make();
  });
  afterEach(() => h.close());

  it('wants events under a root that the excludes do not leave out', () => {
    expect(
      [h.path('a.txt'), h.path('x.tmp'), h.path('cache/c.txt'), h.path('sub'), join(h.root, '..', 'elsewhere')].map((p) => sut.wanted(p)),
    ).toEqual([true, false, false, true, false]);
  });

  it('scans every root in full as hoard scan does, deletions tracked', async () => {
    const { ctx } = context();
    const summary = await sut.full(ctx);
    expect(summary).toMatchObject({ seen: 2, recorded: 2, uploaded: { files: 2, bytes: 9 }, deleted: 0, failed: 0 });
    expect(record('a.txt')?.sha256).toBe(sha('alpha'));
    expect(record('cache/c.txt')).toBeUndefined();
  });

  it('plans the changed files that pass the filters, a directory that appeared as the files under it, and the gone paths', async () => {
    mkdirSync(h.path('album/cache'), { recursive: true });
    h.write('album/p.jpg', 'photo');
    h.write('album/cache/q.jpg', 'excluded under the new directory');
    h.write('album/t.tmp', 'excluded by name');
    const plan = await make({ includes: ['*.jpg', '*.txt'] }).plan([
      ...changed('a.txt', 'sub', 'x.tmp', 'gone.txt'),
      ...created('album'),
      { path: join(h.root, '..', 'outside.txt'), created: true },
    ]);
    expect(plan).toEqual({ present: [h.path('a.txt'), h.path('album/p.jpg')], gone: [h.path('gone.txt')], unreadable: [] });
  });

  it('with a freshness rule, defers the files changed within the settle time, each until its change is that old', async () => {
    mkdirSync(h.path('album'));
    h.write('album/p.jpg', 'photo');
    const ctime = (rel: string) => lstatSync(h.path(rel)).ctimeMs;
    const at = (now: number) => new BatchScan([h.root], h.hasher, options, { settleMs: 2000, now: () => now });
    const oldest = Math.min(ctime('a.txt'), ctime('album/p.jpg'));
    const latest = Math.max(ctime('a.txt'), ctime('album/p.jpg'));

    const deferred: DeferredChange[] = [];
    expect(await at(oldest + 1999).plan([...changed('a.txt'), ...created('album')], deferred)).toBeNull();
    expect(deferred).toEqual([
      { path: h.path('a.txt'), created: false, readyAt: ctime('a.txt') + 2000 },
      { path: h.path('album/p.jpg'), created: true, readyAt: ctime('album/p.jpg') + 2000 },
    ]);

    // A clock set back since: the files wait the settle time from now, no longer.
    const behind: DeferredChange[] = [];
    await at(oldest - 60_000).plan(changed('a.txt'), behind);
    expect(behind).toEqual([{ path: h.path('a.txt'), created: false, readyAt: oldest - 60_000 + 2000 }]);

    const none: DeferredChange[] = [];
    const plan = await at(latest + 2000).plan([...changed('a.txt'), ...created('album')], none);
    expect(plan).toEqual({ present: [h.path('a.txt'), h.path('album/p.jpg')], gone: [], unreadable: [] });
    expect(none).toEqual([]);
  });

  it('plans nothing (no run to open) for only directories updated, excluded paths, or gone paths not tracked', async () => {
    expect(await sut.plan(changed('sub', 'x.tmp'))).toBeNull();
    expect(await make({ trackDeletions: false }).plan(changed('gone.txt'))).toBeNull();
    expect(await sut.plan([])).toBeNull();
  });

  it('keeps a path that cannot be looked at as a failure of the batch, and scans the rest', async () => {
    const long = h.path(`${'n'.repeat(300)}.txt`);
    const plan = await sut.plan([...changed('a.txt'), { path: long, created: true }]);
    expect(plan).toEqual({
      present: [h.path('a.txt')],
      gone: [],
      unreadable: [{ path: long, reason: expect.stringContaining('ENAMETOOLONG') }],
    });
    const { ctx, events } = context();
    const summary = await sut.apply(plan!, ctx);
    expect(summary).toMatchObject({ recorded: 1, failed: 1 });
    expect(events.filter((e) => e.event === 'failed')).toEqual([
      { event: 'failed', path: long, reason: expect.stringContaining('ENAMETOOLONG') },
    ]);
  });

  it('records the changed files without a walk of the tree and without reporting deletions itself', async () => {
    await sut.full(context().ctx);
    h.write('a.txt', 'alpha, changed');
    h.write('new.txt', 'new');
    h.client.calls.length = 0;
    const { ctx } = context();
    const summary = await sut.apply((await sut.plan(changed('a.txt', 'new.txt')))!, ctx);
    expect(summary).toMatchObject({ seen: 2, hashed: { files: 2, bytes: 17 }, recorded: 2, new_versions: 2, deleted: 0 });
    expect([record('a.txt')?.version, record('new.txt')?.sha256, record('sub/b.txt')?.deleted_at]).toEqual([2, sha('new'), null]);
    expect(h.client.routes()).not.toContain('markDeleted');
  });

  it('reports a removed directory deleted with every cached path under it, and forgets them in the cache', async () => {
    h.write('sub/deep/d.txt', 'delta');
    await sut.full(context().ctx);
    rmSync(h.path('sub'), { recursive: true });
    h.client.calls.length = 0;
    const { ctx, events } = context();
    const summary = await sut.apply((await sut.plan(changed('sub')))!, ctx);
    expect(h.client.calls).toEqual([{ route: 'markDeleted', arg: [h.path('sub/b.txt'), h.path('sub/deep/d.txt')] }]);
    expect(summary).toMatchObject({ deleted: 2, recorded: 0 });
    expect(events.filter((e) => e.event === 'deleted').map((e) => (e as { path: string }).path)).toEqual([
      h.path('sub/b.txt'),
      h.path('sub/deep/d.txt'),
    ]);
    expect([record('sub/b.txt')?.deleted_at, h.cache!.lookupName(h.path('sub/b.txt'))]).toEqual([expect.any(String), false]);
  });

  it('without a cache, asks the server what it holds under a gone path', async () => {
    await sut.full(context().ctx);
    renameSync(h.path('sub'), join(h.root, '..', 'moved-out'));
    h.client.calls.length = 0;
    const { ctx } = context({ cached: false });
    const summary = await sut.apply((await sut.plan(changed('sub')))!, ctx);
    expect(h.client.calls).toEqual([
      { route: 'iterateFiles', arg: { hostname: 'h', path_prefix: `${h.path('sub')}/` } },
      { route: 'markDeleted', arg: [h.path('sub'), h.path('sub/b.txt')] },
    ]);
    expect(summary.deleted).toBe(2);
  });

  it('changes nothing on the server for gone paths in a dry run', async () => {
    await sut.full(context().ctx);
    rmSync(h.path('a.txt'));
    h.client.calls.length = 0;
    const summary = await sut.apply((await sut.plan(changed('a.txt')))!, context({ dryRun: true }).ctx);
    expect(h.client.calls).toEqual([]);
    expect([summary.deleted, record('a.txt')?.deleted_at]).toEqual([0, null]);
  });

  it('throws when the deletions cannot be told, keeping them in the cache for the retry of the batch', async () => {
    await sut.full(context().ctx);
    rmSync(h.path('a.txt'));
    h.client.failNext('markDeleted', new Error('connect ECONNREFUSED'));
    const plan = (await sut.plan(changed('a.txt')))!;
    await expect(sut.apply(plan, context().ctx)).rejects.toThrow('ECONNREFUSED');
    expect(h.cache!.lookupName(h.path('a.txt'))).toBe(true);
    const summary = await sut.apply(plan, context().ctx);
    expect([summary.deleted, record('a.txt')?.deleted_at]).toEqual([1, expect.any(String)]);
  });
});

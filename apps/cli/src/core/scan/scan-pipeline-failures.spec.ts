import { rmSync, symlinkSync } from 'node:fs';
import { HoardError } from '@app/contracts';
import { sha } from '../../testing/scan-fixtures';
import { ScanHarness } from '../../testing/scan-harness';
import { DirReport } from '../walk/dir-reports';
import { RootFeed, WalkFeed } from '../walk/walk-feed';

/** A walk whose root number `index` gives what `make(index)` yields (or throws). */
function feedOf(make: (index: number) => AsyncGenerator<DirReport>): (roots: string[]) => WalkFeed {
  return () => ({ root: (index: number): RootFeed => make(index), close: async () => undefined });
}

describe('ScanPipeline when things fail', () => {
  let h: ScanHarness;
  beforeEach(async () => {
    h = new ScanHarness();
    h.write('a.txt', 'alpha');
    h.write('sub/b.txt', 'beta');
    await h.scan();
  });
  afterEach(() => h.close());

  it('reports a root that cannot be walked as failed, and takes nothing under it for deleted', async () => {
    // As on a disk that went away during the scan: its files are not there, and its walk fails.
    rmSync(h.path('a.txt'));
    rmSync(h.path('sub'), { recursive: true });
    // eslint-disable-next-line require-yield -- a walk that fails before its first entry
    const unmounted = feedOf(async function* () {
      throw Object.assign(new Error('EIO: i/o error, scandir'), { code: 'EIO' });
    });
    const { summary, events } = await h.scan({ feed: unmounted });
    expect(events).toEqual([{ event: 'failed', path: h.root, reason: 'cannot scan: EIO: i/o error, scandir' }]);
    expect([summary.failed, summary.deleted, h.client.routes()]).toEqual([1, 0, []]);
  });

  it('skips a directory that cannot be read, and does not take what it held for deleted', async () => {
    const unreadable = feedOf(async function* () {
      yield {
        dir: h.path('sub'),
        listed: false,
        error: { code: 'EACCES', message: 'permission denied' },
        same: [],
        ids: [],
        stats: new BigInt64Array(0),
        digests: new Uint8Array(0),
        other: [],
        gone: [],
      };
    });
    const { summary, events } = await h.scan({ feed: unreadable });
    expect(events).toEqual([{ event: 'skipped', path: h.path('sub'), reason: 'directory cannot be read (permission denied)' }]);
    // a.txt and sub/b.txt were cached and not listed now, but both are still on disk.
    expect([summary.deleted, h.client.routes()]).toEqual([0, []]);
  });

  it('stops with the error when no request can succeed, and reports no deletion', async () => {
    h.write('new.txt', 'new');
    h.write('a.txt', 'alpha, changed');
    h.client.failNext('recordBatch', new HoardError('unauthorized', 'the key was revoked'));
    const err = await h.scan().catch((e: HoardError) => e);
    expect([(err as HoardError).code, h.client.routes()]).toEqual(['unauthorized', ['confirmSeen', 'recordBatch']]);
  });

  it('records what a link points to when links are followed, and skips a link to nothing', async () => {
    symlinkSync('a.txt', h.path('to-a'));
    symlinkSync('nowhere', h.path('broken'));
    const { summary, events, read } = await h.scan({ followSymlinks: true });
    // What to-a points to is a.txt, known from the cache by its inode: nothing is read.
    expect(read).toEqual([]);
    expect(h.client.current('h', h.path('to-a'))).toMatchObject({ type: 'file', sha256: sha('alpha'), size: 5 });
    expect(events).toEqual([{ event: 'skipped', path: h.path('broken'), reason: 'broken symbolic link' }]);
    expect(summary.skipped).toBe(1);
  });
});

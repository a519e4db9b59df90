import { lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCacheReader } from '../../io/state-cache/cache-reader';
import { StateCache } from '../../io/state-cache/state-cache';
import { DirReport, dirReports } from './dir-reports';
import { InlineWalkFeed } from './inline-walk-feed';
import { ScanWalker } from './scan-walker';
import { RootFeed, ThreadWalkFeed, WalkFeed } from './walk-feed';
import { WalkJob } from './walk-protocol';
import { startWalk } from './walk-start';

async function collect(feed: RootFeed): Promise<DirReport[]> {
  const out: DirReport[] = [];
  for await (const report of feed) out.push(report);
  return out;
}

describe.each([
  ['on a worker thread', (job: WalkJob): WalkFeed => new ThreadWalkFeed(job)],
  ['on this thread', (job: WalkJob): WalkFeed => new InlineWalkFeed(job)],
])('the walk %s', (_where, start) => {
  let base: string;
  let cache: StateCache;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'hoard-feed-'));
    cache = new StateCache(join(base, 'cache'), 'scope');
    for (const dir of ['one/sub', 'two']) mkdirSync(join(base, dir), { recursive: true });
    for (const file of ['one/a', 'one/sub/b', 'two/c']) writeFileSync(join(base, file), file);
    const st = lstatSync(join(base, 'one/a'), { bigint: true });
    cache.putMany([
      {
        path: join(base, 'one/a'),
        size: st.size,
        mtimeNs: st.mtimeNs,
        ctimeNs: st.ctimeNs,
        ino: st.ino,
        dev: st.dev,
        sha256: 'e'.repeat(64),
        recordId: 'r1',
      },
    ]);
  });
  afterEach(() => {
    cache.close();
    rmSync(base, { recursive: true, force: true });
  });

  it("gives each root's reports in order, as dirReports makes them, and a root that cannot be walked as its error", async () => {
    const roots = [join(base, 'one'), join(base, 'missing'), join(base, 'two')];
    const options = { excludes: [], includes: [], followSymlinks: false };
    const sut = start({ roots, options, cache: { file: cache.file, scope: 'scope' } });
    try {
      const first = await collect(sut.root(0));
      const failure = await collect(sut.root(1)).then(
        () => null,
        (err: NodeJS.ErrnoException) => err,
      );
      const third = await collect(sut.root(2));
      const reader = openCacheReader(cache.file, 'scope');
      const expected = (root: string) => [...dirReports(root, new ScanWalker(options), reader, false)];
      expect([first, third]).toEqual([expected(roots[0]), expected(roots[2])]);
      reader.close();
      expect(first.map((r) => [r.dir, r.same, r.ids, r.other])).toEqual([
        [roots[0], ['a'], ['r1'], []],
        [join(roots[0], 'sub'), [], [], ['b']],
      ]);
      expect(failure).toMatchObject({ code: 'ENOENT' });
    } finally {
      await sut.close();
    }
  });
});

describe('startWalk', () => {
  it('walks on a worker thread', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hoard-feed-start-'));
    const sut = startWalk([root], { excludes: [], followSymlinks: false }, null);
    try {
      expect(sut).toBeInstanceOf(ThreadWalkFeed);
      expect((await collect(sut.root(0))).map((r) => r.dir)).toEqual([root]);
    } finally {
      await sut.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

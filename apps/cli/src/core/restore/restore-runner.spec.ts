import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY_SHA256, FileMetadata } from '@app/contracts';
import { FakeHoardClient } from '../../testing/fake-hoard-client';
import { scratch, sha } from '../../testing/scan-fixtures';
import { PathFilter } from '../walk/path-filter';
import { relativeTarget, RestoreEvent, RestoreOptions, RestoreProgress, RestoreRunner } from './restore-runner';

describe('relativeTarget', () => {
  it('places files relative to the prefix directory, on path boundaries only', () => {
    expect(relativeTarget('/data/docs/a/b.txt', '/data/docs')).toBe('a/b.txt');
    expect(relativeTarget('/data/docs/a/b.txt', '/')).toBe('data/docs/a/b.txt');
    expect(relativeTarget('/data/docs2/x', '/data/docs')).toBeNull();
    expect(relativeTarget('/data/docs', '/data/docs')).toBe('docs');
  });

  it('keeps the whole absolute path without a prefix', () => {
    expect(relativeTarget('/data/docs/a.txt')).toBe('data/docs/a.txt');
  });
});

describe('RestoreRunner', () => {
  let tmp: ReturnType<typeof scratch>;
  let client: FakeHoardClient;
  let to: string;
  const MTIME = 1_700_000_000.5;
  /** Records `filepath` with `content` (stored on the server unless `stored` is false), or as a link to `link`. */
  const recorded = async (filepath: string, content: string, extra: Partial<FileMetadata> & { stored?: boolean } = {}) => {
    const { stored = true, ...meta } = extra;
    if (stored && meta.type !== 'symlink') client.store(Buffer.from(content));
    await client.recordBatch([
      { hostname: 'h', filepath, sha256: sha(content), size: content.length, mode: 0o100640, mtime: MTIME, atime: MTIME, ...meta },
    ]);
  };
  const link = (filepath: string, target: string) =>
    recorded(filepath, '', { type: 'symlink', link_target: target, sha256: EMPTY_SHA256, mode: 0o120777 });
  const restore = async (options: Partial<RestoreOptions> = {}) => {
    const events: RestoreEvent[] = [];
    const progress: RestoreProgress = { totalFiles: null, totalBytes: null, files: 0, bytes: 0, skipped: 0, failed: 0 };
    client.calls.length = 0;
    const sut = new RestoreRunner(
      client,
      { hostname: 'h', prefix: '/data/docs', to, concurrency: 2, ...options },
      (e) => events.push(e),
      progress,
    );
    const { elapsed_ms: _, ...summary } = await sut.run();
    return { summary, events, progress, downloads: client.calls.filter((c) => c.route === 'getBlob').length };
  };

  beforeEach(async () => {
    tmp = scratch('hoard-restore-');
    to = join(tmp.dir, 'out');
    client = new FakeHoardClient();
    await recorded('/data/docs/a.txt', 'alpha');
    await recorded('/data/docs/sub/b.txt', 'beta');
    await recorded('/data/docs2/x', 'sibling');
    await recorded('/data/other', 'other');
  });
  afterEach(() => tmp.remove());

  it('writes the files under the prefix relative to it, verified, with their mode and mtime; a second run downloads nothing', async () => {
    const first = await restore();
    expect(first.summary).toEqual({ event: 'summary', dry_run: false, matched: 2, restored: 2, skipped: 0, bytes: 9, failed: 0 });
    expect([readFileSync(join(to, 'a.txt'), 'utf8'), readFileSync(join(to, 'sub/b.txt'), 'utf8')]).toEqual(['alpha', 'beta']);
    const st = lstatSync(join(to, 'a.txt'));
    expect([st.mode & 0o7777, st.mtimeMs]).toEqual([0o640, MTIME * 1000]);
    expect(first.progress).toEqual({ totalFiles: 2, totalBytes: 9, files: 2, bytes: 9, skipped: 0, failed: 0 });
    const second = await restore();
    expect([second.downloads, second.summary.skipped, second.events.map((e) => e.event === 'skipped' && e.reason)]).toEqual([
      0,
      2,
      ['identical', 'identical'],
    ]);
    expect(second.progress).toMatchObject({ totalFiles: 0, totalBytes: 0 });
  });

  it('replaces a different file only as the overwrite policy says, and an identical one only with `always`', async () => {
    mkdirSync(to);
    writeFileSync(join(to, 'a.txt'), 'a local edit');
    const never = await restore({ overwrite: 'never', prefix: '/data/docs/a.txt' });
    expect([never.events, readFileSync(join(to, 'a.txt'), 'utf8')]).toEqual([
      [{ event: 'skipped', path: '/data/docs/a.txt', target: join(to, 'a.txt'), reason: 'exists' }],
      'a local edit',
    ]);
    const changed = await restore({ prefix: '/data/docs/a.txt' });
    expect([changed.downloads, readFileSync(join(to, 'a.txt'), 'utf8')]).toEqual([1, 'alpha']);
    expect((await restore({ prefix: '/data/docs/a.txt' })).downloads).toBe(0);
    expect((await restore({ overwrite: 'always', prefix: '/data/docs/a.txt' })).downloads).toBe(1);
  });

  it('fails a file whose content is not available, and one whose content does not match its digest, leaving no file', async () => {
    await recorded('/data/docs/lost', 'lost', { stored: false });
    client.blobs.set(sha('beta'), Buffer.from('tampered'));
    const { summary, events } = await restore();
    expect(events.filter((e) => e.event === 'failed').sort((x, y) => (x.path < y.path ? -1 : 1))).toEqual([
      { event: 'failed', path: '/data/docs/lost', reason: 'its content is not available on the server' },
      {
        event: 'failed',
        path: '/data/docs/sub/b.txt',
        reason: expect.stringMatching(/^downloaded content of [0-9a-f]{64} hashes to [0-9a-f]{64}; nothing was written$/),
      },
    ]);
    expect([summary.failed, readdirSync(to).sort(), readdirSync(join(to, 'sub'))]).toEqual([2, ['a.txt', 'sub'], []]);
  });

  it('makes links after every file, and writes nothing through a link found in the restore directory', async () => {
    await link('/data/docs/0-link', 'sub');
    await recorded('/data/docs/trap/c.txt', 'gamma');
    const outside = join(tmp.dir, 'outside');
    mkdirSync(outside);
    mkdirSync(to);
    symlinkSync(outside, join(to, 'trap'));
    const { events } = await restore();
    // Files are written two at a time, in any order; the link, listed first, comes after all of them.
    const said = events.map((e) => `${e.event}:${e.path.slice('/data/docs/'.length)}`);
    expect([said.slice(0, -1).sort(), said.at(-1)]).toEqual([
      ['failed:trap/c.txt', 'restored:a.txt', 'restored:sub/b.txt'],
      'restored:0-link',
    ]);
    expect(events.find((e) => e.event === 'failed')).toMatchObject({
      reason: `${join(to, 'trap')} is a symbolic link; nothing is restored through it`,
    });
    expect([readlinkSync(join(to, '0-link')), readdirSync(outside)]).toEqual(['sub', []]);
  });

  it('in a dry run writes and downloads nothing; filters choose by the path under the prefix', async () => {
    const filter = new PathFilter(['*.txt'], ['sub/']);
    const { summary, events, downloads } = await restore({ dryRun: true, filter });
    expect(events).toEqual([
      { event: 'would_restore', path: '/data/docs/a.txt', target: join(to, 'a.txt'), sha256: sha('alpha'), bytes: 5 },
    ]);
    expect([summary.matched, summary.restored, downloads, existsSync(to)]).toEqual([1, 1, 0, false]);
  });

  it('refuses a record whose path leads outside the restore directory, and a directory where a file should be', async () => {
    await recorded('/../escape', 'escape');
    mkdirSync(join(to, 'data/docs/a.txt'), { recursive: true });
    const { events } = await restore({ prefix: undefined });
    expect(events.filter((e) => e.event === 'failed').sort((x, y) => (x.path < y.path ? -1 : 1))).toEqual([
      { event: 'failed', path: '/../escape', reason: 'its path leads outside the restore directory' },
      { event: 'failed', path: '/data/docs/a.txt', reason: `${join(to, 'data/docs/a.txt')} is a directory` },
    ]);
    expect(existsSync(join(tmp.dir, 'escape'))).toBe(false);
  });
});

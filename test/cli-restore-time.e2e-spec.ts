import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HoardClient } from '@app/client';
import { EMPTY_SHA256 } from '@app/contracts';
import { cliHome, metricSum, ndjson, runCli, spawnCli } from './support/cli';
import { RunningServer, startServer } from './support/server';
import { readTree, removeScratch, scratchDir, sha256 } from './support/tree';

/** Resolves once the clock is past `iso`, so that what is recorded next is later by the server's millisecond clock. */
async function clockPast(iso: string): Promise<void> {
  while (Date.now() <= Date.parse(iso)) await new Promise((resolve) => setImmediate(resolve));
}

function write(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
}

/** Restore as backup users expect it: a point in time, links, nothing twice; and verify. */
describe('hoard restore at a time, symlinks, incremental restore, verify', () => {
  let server: RunningServer;
  let client: HoardClient;
  let env: Record<string, string>;
  const restore = (...args: string[]) => runCli(['restore', '--json', ...args], env);
  const blobGets = async () =>
    metricSum(await client.metrics(), 'hoard_http_requests_total', { route: '/api/v1/blobs/:sha256', method: 'GET' });

  beforeAll(async () => {
    server = await startServer();
    client = new HoardClient({ baseUrl: server.url, apiKey: server.adminKey });
    env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey, HOARD_HOSTNAME: 'restore-host' };
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    removeScratch();
  });

  async function latestRecordTime(hostname: string): Promise<string> {
    let latest = '';
    for await (const r of client.iterateFiles({ hostname, include_deleted: true })) if (r.last_seen_at > latest) latest = r.last_seen_at;
    return latest;
  }

  it('restores each path as it was at a time between two scans: the version then, deleted paths back, new ones out', async () => {
    const root = scratchDir('hoard-time-');
    const home = { ...env, HOARD_HOSTNAME: 'time-host' };
    write(root, { 'a.txt': 'first version', 'b.txt': 'deleted later', 'keep/c.txt': 'unchanged' });
    expect((await runCli(['scan', root], home)).code).toBe(0);
    const between = await latestRecordTime('time-host');
    await clockPast(between);
    write(root, { 'a.txt': 'second version', 'new.txt': 'created later' });
    rmSync(join(root, 'b.txt'));
    expect((await runCli(['scan', root], home)).code).toBe(0);

    const then = scratchDir('hoard-time-then-');
    const res = await runCli(['restore', '--prefix', root, '--to', then, '--at', between], home);
    expect(res.code).toBe(0);
    const contents = (dir: string) => new Map([...readTree(dir).keys()].map((rel) => [rel, readFileSync(join(dir, rel), 'utf8')]));
    expect(contents(then)).toEqual(
      new Map([
        ['a.txt', 'first version'],
        ['b.txt', 'deleted later'],
        ['keep/c.txt', 'unchanged'],
      ]),
    );
    const now = scratchDir('hoard-time-now-');
    expect((await runCli(['restore', '--prefix', root, '--to', now], home)).code).toBe(0);
    expect(contents(now)).toEqual(
      new Map([
        ['a.txt', 'second version'],
        ['keep/c.txt', 'unchanged'],
        ['new.txt', 'created later'],
      ]),
    );
    const listed = await runCli(['ls', '--prefix', root, '--at', between, '--json'], home);
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).filepath)
        .sort(),
    ).toEqual(['a.txt', 'b.txt', 'keep/c.txt'].map((r) => join(root, r)));
  });

  it('round-trips symlinks as links: relative, absolute, dangling, to a directory', async () => {
    const root = scratchDir('hoard-links-');
    write(root, { 'dir/file.txt': 'inside' });
    symlinkSync('dir/file.txt', join(root, 'relative'));
    symlinkSync('/etc/hostname', join(root, 'absolute'));
    symlinkSync('does/not/exist', join(root, 'dangling'));
    symlinkSync('dir', join(root, 'to-dir'));
    const home = { ...env, HOARD_HOSTNAME: 'links-host' };
    expect((await runCli(['scan', root], home)).code).toBe(0);
    const links = new Map<string, string | null>();
    for await (const r of client.iterateFiles({ hostname: 'links-host' })) if (r.type === 'symlink') links.set(r.filepath, r.link_target);
    expect(links).toEqual(
      new Map(
        [
          ['absolute', '/etc/hostname'],
          ['dangling', 'does/not/exist'],
          ['relative', 'dir/file.txt'],
          ['to-dir', 'dir'],
        ].map(([n, t]) => [join(root, n), t]),
      ),
    );
    const to = scratchDir('hoard-links-to-');
    const res = await runCli(['restore', '--prefix', root, '--to', to, '--json'], home);
    expect(res.code).toBe(0);
    for (const [path, target] of links) {
      const restored = join(to, path.slice(root.length + 1));
      expect([restored, lstatSync(restored).isSymbolicLink(), readlinkSync(restored)]).toEqual([restored, true, target]);
      expect(Math.abs(lstatSync(restored).mtimeMs - lstatSync(path).mtimeMs)).toBeLessThan(0.01);
    }
    expect(readFileSync(join(to, 'relative'), 'utf8')).toBe('inside');
    const again = await runCli(['restore', '--prefix', root, '--to', to, '--json'], home);
    expect(ndjson(again.stdout).filter((e) => e.event === 'skipped').length).toBe(5);
  });

  describe('on a restored tree', () => {
    let root: string;
    let to: string;
    beforeAll(async () => {
      root = scratchDir('hoard-incr-');
      write(root, { 'a.txt': 'alpha', 'big.bin': randomBytes(300_000), 'docs/x.md': 'x', 'docs/y.md': 'y', 'tmp/t.tmp': 't' });
      expect((await runCli(['scan', root], env)).code).toBe(0);
      to = scratchDir('hoard-incr-to-');
      expect((await restore('--prefix', root, '--to', to)).code).toBe(0);
    });

    it('downloads nothing the second time: every file is found identical', async () => {
      const before = await blobGets();
      const res = await restore('--prefix', root, '--to', to);
      expect(res.code).toBe(0);
      const events = ndjson(res.stdout);
      expect(events.filter((e) => e.event === 'skipped').map((e) => e.reason)).toEqual(Array(5).fill('identical'));
      expect(events[events.length - 1]).toMatchObject({ matched: 5, restored: 0, skipped: 5, bytes: 0, failed: 0 });
      expect(await blobGets()).toBe(before);
    });

    it('replaces a changed file (never with --overwrite never), and says what it would do with --dry-run', async () => {
      writeFileSync(join(to, 'a.txt'), 'edited here');
      const dry = await restore('--prefix', root, '--to', to, '--dry-run');
      expect(
        ndjson(dry.stdout)
          .filter((e) => e.event === 'would_restore')
          .map((e) => e.target),
      ).toEqual([join(to, 'a.txt')]);
      const never = await restore('--prefix', root, '--to', to, '--overwrite', 'never');
      expect(ndjson(never.stdout).find((e) => e.target === join(to, 'a.txt'))).toMatchObject({ event: 'skipped', reason: 'exists' });
      expect(readFileSync(join(to, 'a.txt'), 'utf8')).toBe('edited here');
      const before = await blobGets();
      const changed = await restore('--prefix', root, '--to', to);
      expect(
        ndjson(changed.stdout)
          .filter((e) => e.event === 'restored')
          .map((e) => e.target),
      ).toEqual([join(to, 'a.txt')]);
      expect(readFileSync(join(to, 'a.txt'), 'utf8')).toBe('alpha');
      // The server counts a request once its answer has gone out, which may be just after the CLI has it all.
      while ((await blobGets()) < before + 1) await new Promise((resolve) => setImmediate(resolve));
      expect(await blobGets()).toBe(before + 1);
      const always = await restore('--prefix', root, '--to', to, '--overwrite', 'always');
      expect(ndjson(always.stdout).filter((e) => e.event === 'restored')).toHaveLength(5);
    });

    it('takes --include and --exclude relative to the prefix, and exits 1 when nothing matched', async () => {
      const part = scratchDir('hoard-incr-part-');
      const res = await restore('--prefix', root, '--to', part, '--include', '*.md', '--exclude', 'y.md');
      expect([res.code, [...readTree(part).keys()]]).toEqual([0, ['docs/x.md']]);
      const none = await runCli(['restore', '--prefix', join(root, 'nonexistent'), '--to', part], env);
      expect([none.code, none.stderr]).toEqual([1, `Nothing matched: no record of restore-host under ${join(root, 'nonexistent')}.\n`]);
    });

    it('verify reports a changed file, a missing one and one never recorded, then nothing once they are scanned', async () => {
      writeFileSync(join(root, 'a.txt'), 'alpha changed');
      rmSync(join(root, 'docs/y.md'));
      writeFileSync(join(root, 'fresh.txt'), 'never scanned');
      const res = await runCli(['verify', root, '--json'], env);
      expect(res.code).toBe(1);
      const events = ndjson(res.stdout);
      expect(
        events
          .filter((e) => e.event !== 'summary')
          .map((e) => [e.event, e.path])
          .sort(),
      ).toEqual([
        ['changed', join(root, 'a.txt')],
        ['missing', join(root, 'docs/y.md')],
        ['unrecorded', join(root, 'fresh.txt')],
      ]);
      expect(events[events.length - 1]).toMatchObject({ checked: 5, matching: 3, changed: 1, missing: 1, unrecorded: 1, unavailable: 0 });
      expect((await runCli(['scan', root], env)).code).toBe(0);
      const clean = await runCli(['verify', root], env);
      expect([clean.code, clean.stderr]).toEqual([0, expect.stringMatching(/^No differences: 5 files checked, 5 match/)]);
    });
  });

  it('never writes through a symbolic link found in the restore directory', async () => {
    const outside = scratchDir('hoard-outside-');
    const content = Buffer.from('must stay inside');
    const sha = sha256(content);
    await client.putBlob(sha, () => content);
    await client.recordBatch([
      { hostname: 'evil-host', filepath: '/evil/link', sha256: EMPTY_SHA256, size: 0, type: 'symlink', link_target: outside },
      { hostname: 'evil-host', filepath: '/evil/link/x', sha256: sha, size: content.length },
    ]);
    const to = scratchDir('hoard-evil-to-');
    symlinkSync(outside, join(to, 'link'));
    const res = await runCli(['restore', '--prefix', '/evil', '--to', to, '--json'], { ...env, HOARD_HOSTNAME: 'evil-host' });
    expect(res.code).toBe(1);
    expect(ndjson(res.stdout).find((e) => e.event === 'failed')).toEqual({
      event: 'failed',
      path: '/evil/link/x',
      reason: `${join(to, 'link')} is a symbolic link; nothing is restored through it`,
    });
    expect(readdirSync(outside)).toEqual([]);
  });

  it('limits the upload rate, and on Ctrl-C says what was done and exits 130; the next scan finishes', async () => {
    const root = scratchDir('hoard-slow-');
    write(root, { 'big.bin': randomBytes(1024 * 1024) });
    const home = { ...env, HOARD_HOSTNAME: 'slow-host' };
    const limited = await runCli(['scan', root, '--limit-rate', '512k', '--json'], home);
    const summary = ndjson(limited.stdout).pop()!;
    // 1 MiB at 512 KiB/s, less the first quarter second's burst.
    expect([limited.code, summary.uploaded.files, summary.elapsed_ms >= 1500]).toEqual([0, 1, true]);

    write(root, { 'big.bin': randomBytes(1024 * 1024) });
    // The record is counted by the CLI once it has the answer: interrupted after the server has recorded the new
    // version AND has answered the request (its count is taken once the answer is out).
    const answered = async () =>
      metricSum(await client.metrics(), 'hoard_http_requests_total', { route: '/api/v1/files/batch', method: 'POST' });
    const batchesBefore = await answered();
    const cli = spawnCli(['scan', root, '--limit-rate', '64k'], home);
    const recorded = async () => (await client.fileHistory('slow-host', join(root, 'big.bin'))).length;
    while ((await recorded()) < 2 || (await answered()) === batchesBefore) await new Promise((resolve) => setImmediate(resolve));
    cli.signal('SIGINT');
    const res = await cli.done;
    expect(res.code).toBe(130);
    expect(res.stderr).toMatch(
      /\nInterrupted: 1 files recorded, 0 uploaded \(0 B\); the next scan continues from there: content already sent is not sent again\.\n$/,
    );
    const next = await runCli(['scan', root, '--json'], home);
    expect([next.code, ndjson(next.stdout).pop()!.uploaded.files]).toEqual([0, 1]);
  });
});

import { chmodSync, existsSync, readdirSync, readFileSync, readlinkSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HoardClient } from '@app/client';
import { cliHome, metricSum, ndjson, runCli } from './support/cli';
import { LOOSE_BLOBS, RunningServer, startServer } from './support/server';
import { buildTree, readTree, removeScratch, scratchDir, sha256, TestTree } from './support/tree';

describe('hoard restore and hoard get against a real server', () => {
  let server: RunningServer;
  let client: HoardClient;
  let env: Record<string, string>;
  let tree: TestTree;

  beforeAll(async () => {
    server = await startServer({ env: LOOSE_BLOBS });
    client = new HoardClient({ baseUrl: server.url, apiKey: server.adminKey });
    env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey };
    tree = buildTree();
    chmodSync(join(tree.root, 'a.txt'), 0o640);
    chmodSync(join(tree.root, 'big.bin'), 0o755);
    chmodSync(join(tree.root, 'with space/file name.txt'), 0o600);
    utimesSync(join(tree.root, 'a.txt'), new Date('2001-02-03T04:05:06.789Z'), new Date('2001-02-03T04:05:06.789Z'));
    utimesSync(join(tree.root, 'dup/two.bin'), new Date('1999-12-31T23:59:59Z'), new Date('1999-12-31T23:59:59Z'));
    const res = await runCli(['scan', tree.root, '--json'], env);
    expect(res.code).toBe(0);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    removeScratch();
  });

  it('restores a prefix byte for byte with modes and mtimes', async () => {
    const to = scratchDir('hoard-restore-');
    const res = await runCli(['restore', '--hostname', 'e2e-host', '--prefix', tree.root, '--to', to, '--json'], env);
    expect(res.code).toBe(0);
    const original = readTree(tree.root);
    expect(readTree(to)).toEqual(original);
    for (const rel of original.keys()) {
      const a = statSync(join(tree.root, rel));
      const b = statSync(join(to, rel));
      expect([rel, b.mode & 0o7777]).toEqual([rel, a.mode & 0o7777]);
      // The record keeps times as float seconds: microseconds survive, not nanoseconds.
      expect(Math.abs(b.mtimeMs - a.mtimeMs)).toBeLessThan(0.01);
    }
    const events = ndjson(res.stdout);
    // The tree's symlink is restored as a link.
    expect(events[events.length - 1]).toMatchObject({ event: 'summary', restored: original.size + 1, failed: 0 });
    expect(readlinkSync(join(to, 'link-to-a'))).toBe('a.txt');
    expect(readdirSync(to, { recursive: true }).filter((n) => String(n).includes('hoard-partial'))).toEqual([]);
  });

  it('restores only under a narrower prefix, relative to it', async () => {
    const to = scratchDir('hoard-restore-');
    const res = await runCli(['restore', '--hostname', 'e2e-host', '--prefix', join(tree.root, 'dup'), '--to', to], env);
    expect(res.code).toBe(0);
    expect([...readTree(to).keys()]).toEqual(['nested/three.bin', 'one.bin', 'two.bin']);
  });

  it('downloads by digest to a file and to stdout', async () => {
    const content = readFileSync(join(tree.root, 'big.bin'));
    const out = join(scratchDir('hoard-get-'), 'big copy.bin');
    const res = await runCli(['get', sha256(content), '-o', out], env);
    expect(res.code).toBe(0);
    expect(readFileSync(out).equals(content)).toBe(true);
    const small = await runCli(['get', sha256(Buffer.from('spaces\n')), '-o', '-'], env);
    expect([small.code, small.stdout]).toEqual([0, 'spaces\n']);
  });

  it('resumes an interrupted download with Range', async () => {
    const content = readFileSync(join(tree.root, 'big.bin'));
    const digest = sha256(content);
    const dir = scratchDir('hoard-get-');
    const out = join(dir, 'resumed.bin');
    const partial = join(dir, `.resumed.bin.${digest.slice(0, 16)}.hoard-partial`);
    writeFileSync(partial, content.subarray(0, 1_000_000));
    const before = metricSum(await client.metrics(), 'hoard_http_requests_total', { method: 'GET', status: '206' });
    const res = await runCli(['get', digest, '-o', out], env);
    expect(res.code).toBe(0);
    expect(readFileSync(out).equals(content)).toBe(true);
    expect(existsSync(partial)).toBe(false);
    const after = metricSum(await client.metrics(), 'hoard_http_requests_total', { method: 'GET', status: '206' });
    expect(after - before).toBe(1);
  });

  it('never receives content corrupted on the server disk (the server cuts it off and quarantines it) and leaves no output file', async () => {
    const content = readFileSync(join(tree.root, 'dup/one.bin'));
    const digest = sha256(content);
    const blobPath = join(server.dataDir, 'blobs', digest.slice(0, 2), digest);
    const corrupt = Buffer.from(content);
    corrupt[1234] ^= 0xff;
    chmodSync(blobPath, 0o644);
    writeFileSync(blobPath, corrupt);
    const dir = scratchDir('hoard-get-');
    const res = await runCli(['get', digest, '-o', join(dir, 'out.bin')], env);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toBe(
      `hoard: Content ${digest} failed verification (the stored copy hashes to ${sha256(corrupt)}) and was quarantined; it must be uploaded again\n`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

import { readdirSync } from 'node:fs';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY_SHA256 } from '@app/contracts';
import { HoardClient } from '@app/client';
import { cliHome, metricSum, ndjson, runCli, WALKERS } from './support/cli';
import { LOOSE_BLOBS, RunningServer, startServer } from './support/server';
import { buildTree, removeScratch, sha256, TestTree } from './support/tree';

/** Digests stored in the server's local blob directory (`<data>/blobs/<sha[0:2]>/<sha>`). */
function storedBlobs(dataDir: string): string[] {
  const root = join(dataDir, 'blobs');
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name))
    .flatMap((d) => readdirSync(join(root, d.name)).filter((n) => /^[0-9a-f]{64}$/.test(n)))
    .sort();
}

describe.each(WALKERS)('hoard scan against a real server (%s walker)', (walker) => {
  let server: RunningServer;
  let client: HoardClient;
  let env: Record<string, string>;
  let tree: TestTree;
  const host = 'e2e-host';
  const scan = (...extra: string[]) =>
    runCli(['scan', tree.root, ...tree.excludes.flatMap((e) => ['--exclude', e]), '--json', ...extra], env);
  const records = async () => {
    const out = new Map<string, string>();
    for await (const r of client.iterateFiles({ hostname: host })) out.set(r.filepath, r.sha256);
    return out;
  };
  const metrics = () => client.metrics();
  /** The record of the tree's first file. */
  const latestRecord = async () => {
    for await (const r of client.iterateFiles({ hostname: host })) return r;
    throw new Error('no records');
  };

  beforeAll(async () => {
    server = await startServer({ env: LOOSE_BLOBS });
    client = new HoardClient({ baseUrl: server.url, apiKey: server.adminKey });
    env = { ...cliHome(walker), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey };
    tree = buildTree();
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    removeScratch();
  });

  it('--dry-run hashes and checks but changes nothing on the server', async () => {
    const res = await scan('--dry-run');
    expect(res.code).toBe(0);
    const summary = ndjson(res.stdout).find((e) => e.event === 'summary')!;
    const distinct = new Set(tree.files.filter((f) => f.content.length > 0).map((f) => sha256(f.content)));
    expect(summary.dry_run).toBe(true);
    expect(summary.hashed.files).toBe(tree.files.length);
    expect(summary.would_upload.files).toBe(distinct.size);
    expect(summary.uploaded.files).toBe(0);
    expect((await records()).size).toBe(0);
    expect(storedBlobs(server.dataDir)).toEqual([]);
  });

  it('records exactly the tree and its symlink as a link, skips the FIFO, applies excludes and stores each content once', async () => {
    const res = await scan();
    expect(res.code).toBe(0);
    const events = ndjson(res.stdout);
    const expected = new Map([
      ...tree.files.map((f): [string, string] => [join(tree.root, f.rel), sha256(f.content)]),
      [tree.symlink, EMPTY_SHA256],
    ]);
    expect(await records()).toEqual(expected);
    const [link] = await client.fileHistory(host, tree.symlink);
    expect(link).toMatchObject({ type: 'symlink', link_target: 'a.txt', size: 0, sha256: EMPTY_SHA256 });
    expect((await client.fileHistory(host, join(tree.root, 'a.txt')))[0]).toMatchObject({ type: 'file', link_target: null });
    const distinct = [...new Set([...expected.values()].filter((d) => d !== EMPTY_SHA256))].sort();
    expect(storedBlobs(server.dataDir)).toEqual(distinct);
    const uploaded = events.filter((e) => e.event === 'uploaded');
    expect(uploaded.map((e) => e.sha256).sort()).toEqual(distinct);
    const skipped = new Map(events.filter((e) => e.event === 'skipped').map((e) => [e.path, e.reason]));
    expect(skipped.get(tree.fifo)).toMatch(/FIFO/);
    expect(skipped.size).toBe(1);
    const summary = events[events.length - 1];
    expect(summary).toMatchObject({
      event: 'summary',
      seen: tree.files.length + 2,
      recorded: tree.files.length + 1,
      new_versions: tree.files.length + 1,
      uploaded: { files: distinct.length },
      failed: 0,
      skipped: 1,
    });
    const after = await metrics();
    expect(metricSum(after, 'hoard_blob_uploads_total', { result: 'created' })).toBe(distinct.length);
    // Contents up to 256 KiB travel together in packs; larger ones stream in a PUT each.
    const sizeOf = new Map(tree.files.map((f) => [sha256(f.content), f.content.length]));
    const large = distinct.filter((d) => sizeOf.get(d)! > 256 * 1024);
    const small = distinct.length - large.length;
    expect(small).toBeGreaterThan(3);
    const packs = metricSum(after, 'hoard_http_requests_total', { route: '/api/v1/blobs/pack' });
    expect(packs).toBeGreaterThanOrEqual(1);
    expect(packs).toBeLessThan(small);
    expect(metricSum(after, 'hoard_http_requests_total', { route: '/api/v1/blobs/:sha256', method: 'PUT' })).toBe(large.length);
  });

  it('runs again without reading a file or uploading, in one request per 1,000 files', async () => {
    const recordBefore = await latestRecord();
    const before = await metrics();
    const res = await scan();
    const after = await metrics();
    expect(res.code).toBe(0);
    const summary = ndjson(res.stdout).find((e) => e.event === 'summary')!;
    expect(summary).toMatchObject({
      hashed: { files: 0, bytes: 0 },
      unchanged: tree.files.length,
      uploaded: { files: 0 },
      new_versions: 0,
    });
    // Besides the quick check of the server (GET /health) that every command starts with, and the scan's run: opened
    // (POST /scans) and closed (PATCH /scans/{id}) once each.
    const runs = (text: string) =>
      metricSum(text, 'hoard_http_requests_total', { route: '/api/v1/scans' }) +
      metricSum(text, 'hoard_http_requests_total', { route: '/api/v1/scans/:id' });
    const api = (text: string) =>
      metricSum(text, 'hoard_http_requests_total') -
      metricSum(text, 'hoard_http_requests_total', { route: '/metrics' }) -
      metricSum(text, 'hoard_http_requests_total', { route: '/health' }) -
      runs(text);
    expect(api(after) - api(before)).toBe(1);
    expect(runs(after) - runs(before)).toBe(2);
    // Unchanged files are only confirmed by record id, which refreshes their last_seen_at.
    expect(
      metricSum(after, 'hoard_http_requests_total', { route: '/api/v1/files/seen' }) -
        metricSum(before, 'hoard_http_requests_total', { route: '/api/v1/files/seen' }),
    ).toBe(1);
    const recordAfter = await latestRecord();
    expect(recordAfter.id).toBe(recordBefore.id);
    expect(Date.parse(recordAfter.last_seen_at)).toBeGreaterThan(Date.parse(recordBefore.last_seen_at));
    expect(metricSum(after, 'hoard_blob_bytes_in_total')).toBe(metricSum(before, 'hoard_blob_bytes_in_total'));
  });

  it('records a changed file as one new version with one upload', async () => {
    const path = join(tree.root, 'a.txt');
    writeFileSync(path, 'alpha, changed\n');
    const res = await scan();
    expect(res.code).toBe(0);
    const events = ndjson(res.stdout);
    expect(events.filter((e) => e.event === 'uploaded')).toEqual([
      { event: 'uploaded', path, sha256: sha256(Buffer.from('alpha, changed\n')), bytes: 15 },
    ]);
    expect(events[events.length - 1]).toMatchObject({ new_versions: 1, hashed: { files: 1 }, uploaded: { files: 1 } });
    const history = await client.fileHistory(host, path);
    expect(history.map((r) => [r.version, r.sha256])).toEqual([
      [2, sha256(Buffer.from('alpha, changed\n'))],
      [1, sha256(Buffer.from('alpha\n'))],
    ]);
  });

  it('reports a deleted file, and recognises a renamed one without reading it', async () => {
    const gone = join(tree.root, 'many/f3.dat');
    const from = join(tree.root, 'many/f4.dat');
    const to = join(tree.root, 'many/f4 renamed.dat');
    const digest = (await records()).get(from);
    rmSync(gone);
    renameSync(from, to);
    const res = await scan();
    expect(res.code).toBe(0);
    const events = ndjson(res.stdout);
    expect(
      events
        .filter((e) => e.event === 'deleted')
        .map((e) => e.path)
        .sort(),
    ).toEqual([gone, from].sort());
    expect(events[events.length - 1]).toMatchObject({ deleted: 2, hashed: { files: 0 }, uploaded: { files: 0 } });
    const now = await records();
    expect([now.has(gone), now.has(from), now.get(to)]).toEqual([false, false, digest]);
    const deleted = [];
    for await (const r of client.iterateFiles({ hostname: host, include_deleted: true })) if (r.deleted_at) deleted.push(r.filepath);
    expect(deleted.sort()).toEqual([gone, from].sort());
  });

  it('finds deletions from the server when there is no cache', async () => {
    const gone = join(tree.root, 'many/f5.dat');
    rmSync(gone);
    const res = await scan('--no-cache');
    expect(res.code).toBe(0);
    const events = ndjson(res.stdout);
    expect(events.filter((e) => e.event === 'deleted').map((e) => e.path)).toEqual([gone]);
    expect(events[events.length - 1]).toMatchObject({ unchanged: 0, uploaded: { files: 0 } });
  });

  it('leaves deletions alone with --no-track-deletions', async () => {
    const gone = join(tree.root, 'many/f6.dat');
    rmSync(gone);
    const res = await scan('--no-track-deletions');
    expect(ndjson(res.stdout).filter((e) => e.event === 'deleted')).toEqual([]);
    expect((await records()).has(gone)).toBe(true);
  });
});

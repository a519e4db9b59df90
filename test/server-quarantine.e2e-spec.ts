import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { cliHome, metricSum, ndjson, runCli } from './support/cli';
import { LOOSE_BLOBS, type RunningServer } from './support/server';
import { blobPath, expectError, expectStatus, fileMeta, Http, randomContent, useServerWithKeys } from './support/http';
import { scratchDir } from './support/tree';

const blob = (sha: string) => `/api/v1/blobs/${sha}`;
const dispatcher = new Agent({ pipelining: 0, keepAliveTimeout: 1 });

/** A GET read as far as the server lets it go: its status, the bytes received, and whether the body was cut off. */
async function readAsFarAsItGoes(url: string, key: string): Promise<{ status: number; length: string; received: number; cut: boolean }> {
  const res = await request(url, { headers: { 'x-api-key': key }, dispatcher });
  let received = 0;
  let cut = false;
  try {
    for await (const chunk of res.body) received += (chunk as Buffer).length;
  } catch {
    cut = true;
  }
  return { status: res.statusCode, length: String(res.headers['content-length']), received, cut };
}

describe('server: content found corrupt, truncated or missing is quarantined and heals', () => {
  let server: RunningServer;
  let admin: Http;
  let writer: Http;
  useServerWithKeys((s) => ({ server, admin, writer } = s), { env: LOOSE_BLOBS });

  /** Stores content and records it on a host, as a scan does. */
  async function storeAndRecord(size: number) {
    const c = randomContent(size);
    await writer.upload(c.data);
    const record = (await writer.post('/api/v1/files', fileMeta({ sha256: c.sha, size }))).json();
    return { ...c, record };
  }

  function onDisk(sha: string, change: (path: string) => void): void {
    const path = blobPath(server.dataDir, sha);
    chmodSync(path, 0o600);
    change(path);
  }

  /** What every route now says of quarantined content: wanted again, never served. */
  async function expectQuarantined(sha: string, record: { id: string; hostname: string; filepath: string; size: number }) {
    expect((await writer.post('/api/v1/blobs/missing', { sha256: [sha] })).json()).toEqual({ missing: [sha] });
    expect((await writer.get(`/api/v1/files/${record.id}`)).json()).toMatchObject({ content_available: false });
    const again = (
      await writer.post('/api/v1/files', { hostname: record.hostname, filepath: record.filepath, sha256: sha, size: record.size })
    ).json();
    expect([again.upload_required, again.upload_url, again.content_available]).toEqual([true, blob(sha), false]);
    const batch = (
      await writer.post('/api/v1/files/batch', {
        files: [{ hostname: record.hostname, filepath: record.filepath, sha256: sha, size: record.size }],
      })
    ).json();
    expect(batch.results[0]).toMatchObject({ upload_required: true, content_available: false });
    const seen = (await writer.post('/api/v1/files/seen', { hostname: record.hostname, ids: [record.id] })).json();
    expect(seen.upload_required).toEqual([record.id]);
    expect((await writer.get(blob(sha))).status).toBe(404);
    expect(readdirSync(join(server.dataDir, 'blobs', '.quarantine')).filter((n) => n.startsWith(sha))).toHaveLength(1);
  }

  it('never completes a GET of a corrupted blob; it is quarantined, counted, and a PUT of the right bytes heals it', async () => {
    const { data, sha, record } = await storeAndRecord(3 << 20);
    onDisk(sha, (path) => {
      const bad = readFileSync(path);
      bad[2_000_000] ^= 0x01;
      writeFileSync(path, bad);
    });
    const before = metricSum((await admin.get('/metrics')).text, 'hoard_corrupt_reads_total');
    const got = await readAsFarAsItGoes(`${server.url}${blob(sha)}`, writer.key!);
    expect(got.status).toBe(200);
    expect(got.length).toBe(String(3 << 20));
    expect(got.cut).toBe(true);
    expect(got.received).toBeLessThan(3 << 20);
    expect(metricSum((await admin.get('/metrics')).text, 'hoard_corrupt_reads_total', { problem: 'corrupt' })).toBe(before + 1);
    expect(server.output()).toContain(`content ${sha} quarantined`);
    await expectQuarantined(sha, record);

    const healed = await writer.put(blob(sha), data);
    expectStatus(healed, 201);
    const res = await writer.get(blob(sha));
    expectStatus(res, 200);
    expect(res.body.equals(data)).toBe(true);
    expect((await writer.get(`/api/v1/files/${record.id}`)).json()).toMatchObject({ content_available: true });
  });

  it('cuts off a GET of /files/content over a truncated blob, and HEAD finds a truncated one at once', async () => {
    const a = await storeAndRecord(2 << 20);
    onDisk(a.sha, (path) => truncateSync(path, 1_500_000));
    const query = new URLSearchParams({ hostname: a.record.hostname, filepath: a.record.filepath });
    const got = await readAsFarAsItGoes(`${server.url}/api/v1/files/content?${query}`, writer.key!);
    expect([got.status, got.cut]).toEqual([200, true]);
    await expectQuarantined(a.sha, a.record);

    const b = await storeAndRecord(5000);
    onDisk(b.sha, (path) => truncateSync(path, 100));
    expect((await writer.head(blob(b.sha))).status).toBe(404);
    await expectQuarantined(b.sha, b.record);
    expectStatus(await writer.put(blob(b.sha), b.data), 201);
    expect((await writer.head(blob(b.sha))).status).toBe(200);
  });

  it('answers 404 to a GET that finds a small blob corrupt before its first byte went out', async () => {
    const { sha, record } = await storeAndRecord(10_000);
    onDisk(sha, (path) => writeFileSync(path, Buffer.alloc(10_000)));
    expectError(await writer.get(blob(sha)), 404, 'not_found');
    await expectQuarantined(sha, record);
  });

  it("heals content deleted behind the server's back with the next scan of a host that has it", async () => {
    const root = scratchDir('hoard-heal-tree-');
    mkdirSync(join(root, 'd'));
    const { data, sha } = randomContent(300_000);
    const path = join(root, 'd', 'precious.bin');
    writeFileSync(path, data);
    const env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: writer.key };
    expect((await runCli(['scan', root, '--json'], env)).code).toBe(0);
    rmSync(blobPath(server.dataDir, sha));
    expect((await writer.get(blob(sha))).status).toBe(404);

    // The host's cache says nothing changed: the scan only confirms, and the server asks for the content again.
    const rescan = await runCli(['scan', root, '--json'], env);
    expect(rescan.code).toBe(0);
    expect(
      ndjson(rescan.stdout)
        .filter((e) => e.event === 'uploaded')
        .map((e) => e.path),
    ).toEqual([path]);
    const res = await writer.get(blob(sha));
    expectStatus(res, 200);
    expect(res.body.equals(data)).toBe(true);
  });
});

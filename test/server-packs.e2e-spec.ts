import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormData } from 'undici';
import { metricSum } from './support/cli';
import { LOOSE_BLOBS, startServer, type RunningServer } from './support/server';
import { blobFilesOnDisk, expectStatus, Http, randomContent } from './support/http';

const PACK = '/api/v1/blobs/pack';
/** Every upload of a spec at once, from one key. */
const LIMITS = { HOARD_MAX_UPLOADS: '2048', HOARD_MAX_UPLOADS_PER_KEY: '2048' };
const blob = (sha: string) => `/api/v1/blobs/${sha}`;

function packForm(parts: Array<{ sha: string; data: Buffer }>): FormData {
  const form = new FormData();
  for (const { sha, data } of parts) form.append(sha, new Blob([data]), sha);
  return form;
}

/** Pack files under the data directory, with their sizes. */
function packFiles(dataDir: string): Array<{ path: string; size: number }> {
  return blobFilesOnDisk(dataDir)
    .filter((f) => f.startsWith('packs/'))
    .map((f) => ({ path: join(dataDir, 'blobs', f), size: statSync(join(dataDir, 'blobs', f)).size }));
}

describe('server: small content in packs', () => {
  let server: RunningServer;
  let admin: Http;

  afterEach(async () => {
    await server?.stop();
  });

  it('keeps a thousand small blobs in a handful of files, each served whole, by range and with its ETag', async () => {
    server = await startServer({ env: LIMITS });
    admin = new Http(server.url, server.adminKey);
    const blobs = Array.from({ length: 1000 }, (_, i) => randomContent(1 + ((i * 37) % 4096)));
    const results = await Promise.all(blobs.slice(0, 500).map((b) => admin.put(blob(b.sha), b.data)));
    expect(results.map((r) => r.status)).toEqual(blobs.slice(0, 500).map(() => 201));
    const packed = await admin.post(PACK, undefined, { body: packForm(blobs.slice(500)) });
    expectStatus(packed, 200);
    expect(packed.json().items.filter((i: { created?: boolean }) => i.created === true)).toHaveLength(500);
    const files = blobFilesOnDisk(server.dataDir).filter((f) => !f.startsWith('.'));
    expect(files.length).toBeLessThanOrEqual(2);
    expect(files.every((f) => f.startsWith('packs/'))).toBe(true);
    for (const b of [blobs[0], blobs[499], blobs[500], blobs[999]]) {
      const got = await admin.get(blob(b.sha));
      expectStatus(got, 200);
      expect([got.body.equals(b.data), got.headers.etag]).toEqual([true, `"${b.sha}"`]);
      const head = await admin.head(blob(b.sha));
      expect([head.status, head.headers['content-length']]).toEqual([200, String(b.data.length)]);
    }
    const big = blobs.find((b) => b.data.length > 100)!;
    const range = await admin.get(blob(big.sha), { headers: { range: 'bytes=10-99' } });
    expect([range.status, range.headers['content-range'], range.body.equals(big.data.subarray(10, 100))]).toEqual([
      206,
      `bytes 10-99/${big.data.length}`,
      true,
    ]);
    expect((await admin.post('/api/v1/blobs/missing', { sha256: blobs.map((b) => b.sha) })).json()).toEqual({ missing: [] });
  });

  it('serves a data directory written before packs: loose blobs stay readable and stored once, new small content is packed', async () => {
    server = await startServer({ env: { ...LIMITS, ...LOOSE_BLOBS } });
    const old = Array.from({ length: 20 }, () => randomContent(1500));
    admin = new Http(server.url, server.adminKey);
    for (const b of old) expectStatus(await admin.put(blob(b.sha), b.data), 201);
    expect(packFiles(server.dataDir)).toEqual([]);
    const { dataDir, adminKey } = server;
    expect(await server.stop()).toBe(0);

    server = await startServer({ dataDir, env: { ...LIMITS, HOARD_BOOTSTRAP_ADMIN_KEY: adminKey } });
    admin = new Http(server.url, server.adminKey);
    for (const b of old) {
      const got = await admin.get(blob(b.sha));
      expect([got.status, got.body.equals(b.data)]).toEqual([200, true]);
    }
    const again = await admin.post(PACK, undefined, { body: packForm(old) });
    expect(again.json().items.map((i: { created: boolean }) => i.created)).toEqual(old.map(() => false));
    const fresh = randomContent(1500);
    expectStatus(await admin.put(blob(fresh.sha), fresh.data), 201);
    expect(packFiles(dataDir).map((p) => p.size)).toEqual([1500]);
    expect(blobFilesOnDisk(dataDir).filter((f) => /^[0-9a-f]{2}\//.test(f))).toHaveLength(20);
  });

  it('after kill -9 amid pack uploads and small PUTs: nothing visible is incomplete, and missing names exactly the rest', async () => {
    server = await startServer({ env: LIMITS });
    admin = new Http(server.url, server.adminKey);
    const puts = Array.from({ length: 300 }, () => randomContent(2048));
    const packs = Array.from({ length: 4 }, () => Array.from({ length: 250 }, () => randomContent(3000)));
    const acknowledged: string[] = [];
    let answered = 0;
    let killed!: () => void;
    const killNow = new Promise<void>((resolve) => (killed = resolve));
    const count = (sha?: string) => {
      if (sha) acknowledged.push(sha);
      if (++answered === 100) killed();
    };
    const dying = admin.unchecked();
    const uploads = [
      ...puts.map((b) =>
        dying.put(blob(b.sha), b.data).then(
          (r) => count(r.status === 201 ? b.sha : undefined),
          () => undefined,
        ),
      ),
      ...packs.map((pack) =>
        dying.post(PACK, undefined, { body: packForm(pack) }).then(
          (r) => {
            for (const item of r.json().items) if (item.created) acknowledged.push(item.sha256);
          },
          () => undefined,
        ),
      ),
    ];
    await killNow;
    await server.kill();
    await Promise.all(uploads);
    const dataDir = server.dataDir;

    server = await startServer({ dataDir, env: { ...LIMITS, HOARD_BOOTSTRAP_ADMIN_KEY: server.adminKey } });
    admin = new Http(server.url, server.adminKey);
    const all = [...puts, ...packs.flat()];
    const missing = new Set<string>((await admin.post('/api/v1/blobs/missing', { sha256: all.map((b) => b.sha) })).json().missing);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.filter((sha) => missing.has(sha))).toEqual([]);
    for (const b of all) {
      const got = await admin.get(blob(b.sha));
      if (missing.has(b.sha)) expect([b.sha, got.status]).toEqual([b.sha, 404]);
      else expect([b.sha, got.status, got.body.equals(b.data)]).toEqual([b.sha, 200, true]);
    }
    // What a scan re-sends is exactly what was missing; then nothing is.
    const resend = all.filter((b) => missing.has(b.sha));
    const again = await admin.post(PACK, undefined, { body: packForm(resend.slice(0, 1000)) });
    expectStatus(again, 200);
    for (const b of resend.slice(1000)) expectStatus(await admin.put(blob(b.sha), b.data), 201);
    expect((await admin.post('/api/v1/blobs/missing', { sha256: all.map((b) => b.sha) })).json()).toEqual({ missing: [] });
  });

  it('refuses an entry whose bytes in its pack were corrupted, quarantines it, and serves the rest of the pack', async () => {
    server = await startServer({ env: LIMITS });
    admin = new Http(server.url, server.adminKey);
    const blobs = Array.from({ length: 3 }, () => randomContent(5000));
    await Promise.all(blobs.map((b) => admin.put(blob(b.sha), b.data)));
    const [pack] = packFiles(server.dataDir);
    const bytes = readFileSync(pack.path);
    const at = bytes.indexOf(blobs[1].data);
    expect(at).toBeGreaterThanOrEqual(0);
    bytes[at + 2500] ^= 0x01;
    writeFileSync(pack.path, bytes);

    const bad = await admin.get(blob(blobs[1].sha));
    expect(bad.status).toBe(404);
    expect(bad.body.includes(blobs[1].data.subarray(0, 64))).toBe(false);
    expect((await admin.post('/api/v1/blobs/missing', { sha256: blobs.map((b) => b.sha) })).json()).toEqual({ missing: [blobs[1].sha] });
    expect(metricSum((await admin.get('/metrics')).text, 'hoard_corrupt_reads_total')).toBe(1);
    for (const b of [blobs[0], blobs[2]]) {
      const got = await admin.get(blob(b.sha));
      expect([got.status, got.body.equals(b.data)]).toEqual([200, true]);
    }
    expectStatus(await admin.put(blob(blobs[1].sha), blobs[1].data), 201);
    const healed = await admin.get(blob(blobs[1].sha));
    expect([healed.status, healed.body.equals(blobs[1].data)]).toEqual([200, true]);
    expect(readdirSync(join(server.dataDir, 'blobs', '.tmp'))).toEqual([]);
  });
});

import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HoardClient } from '@app/client';
import { until } from './support/raw-http';
import { cliHome, MeteredProxy, metricSum, ndjson, runCli, spawnCli, startMeteredProxy } from './support/cli';
import { RunningServer, startServer } from './support/server';
import { removeScratch, scratchDir, sha256 } from './support/tree';

const MiB = 1024 * 1024;

/** The unfinished uploads the CLI's state cache remembers. */
function rememberedUploads(env: Record<string, string>): Array<{ target: string; url: string }> {
  const db = new Database(join(env.HOARD_CACHE_DIR, 'state.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT target, url FROM uploads').all() as Array<{ target: string; url: string }>;
  } finally {
    db.close();
  }
}

describe('hoard scan: large files through the resumable (tus) uploads', () => {
  let server: RunningServer;
  let client: HoardClient;
  beforeAll(async () => {
    server = await startServer();
    client = new HoardClient({ baseUrl: server.url, apiKey: server.adminKey });
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    removeScratch();
  });

  /** A tree with one large file of `size` random bytes and two small ones. */
  function tree(size: number): { root: string; big: Buffer; bigPath: string } {
    const root = scratchDir('hoard-resumable-');
    const big = randomBytes(size);
    const bigPath = join(root, 'big.bin');
    writeFileSync(bigPath, big);
    writeFileSync(join(root, 'a.txt'), `small ${root} a`);
    writeFileSync(join(root, 'b.txt'), `small ${root} b`);
    return { root, big, bigPath };
  }

  it('sends a file over the threshold through tus and the small ones as before', async () => {
    const { root, big, bigPath } = tree(12 * MiB);
    const env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey };
    const tus = async () => ({
      created: metricSum(await client.metrics(), 'hoard_http_requests_total', { method: 'POST', route: '/api/v1/uploads', status: '201' }),
      patched: metricSum(await client.metrics(), 'hoard_http_requests_total', {
        method: 'PATCH',
        route: '/api/v1/uploads/:id',
        status: '204',
      }),
    });
    const before = await tus();
    const run = await runCli(['scan', root, '--json', '--resumable-threshold', '8M'], env);
    expect(run.code).toBe(0);
    const events = ndjson(run.stdout);
    expect(events.filter((e) => e.event === 'uploaded').map((e) => [e.path, e.bytes, e.resumed_from])).toEqual(
      expect.arrayContaining([[bigPath, big.length, undefined]]),
    );
    expect(events.filter((e) => e.event === 'uploaded')).toHaveLength(3);
    const after = await tus();
    expect([after.created - before.created, after.patched - before.patched]).toEqual([1, 1]);
    const got = await client.getBlob(sha256(big));
    const chunks: Buffer[] = [];
    for await (const chunk of got.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(big)).toBe(true);
    expect(rememberedUploads(env)).toEqual([]);
  });

  /** A tree with one file of `size` bytes (written a MiB at a time, each MiB different) and two small ones. */
  function largeTree(size: number): { root: string; digest: string } {
    const root = scratchDir('hoard-resumable-large-');
    const block = randomBytes(MiB);
    const hash = createHash('sha256');
    const fd = openSync(join(root, 'big.bin'), 'w');
    try {
      for (let at = 0; at < size; at += MiB) {
        block.writeUInt32BE(at / MiB, 0);
        writeSync(fd, block);
        hash.update(block);
      }
    } finally {
      closeSync(fd);
    }
    writeFileSync(join(root, 'a.txt'), `small ${root} a`);
    return { root, digest: hash.digest('hex') };
  }

  describe('a CLI killed mid-upload', () => {
    let proxy: MeteredProxy;
    beforeAll(async () => {
      proxy = await startMeteredProxy(server.url);
    });
    afterAll(() => proxy?.close());

    it("hoard scan of a 1 GiB file, killed with kill -9 half-way, run again: continues from the server's offset, under 1.3x the file in all", async () => {
      const size = 1024 * MiB;
      const { root, digest } = largeTree(size);
      const env = { ...cliHome(), HOARD_URL: proxy.url, HOARD_API_KEY: server.adminKey };
      proxy.rate = 96 * MiB;
      // The default threshold: files of 64 MiB and more go through tus.
      const first = spawnCli(['scan', root, '--json'], env);
      await until(() => proxy.forwarded('PATCH', '/api/v1/uploads') >= size / 2, 60_000);
      first.signal('SIGKILL');
      expect((await first.done).code).toBeNull();
      await until(() => proxy.active() === 0);
      const sentFirst = proxy.forwarded('PATCH', '/api/v1/uploads');
      expect(sentFirst).toBeLessThan(size);
      const remembered = rememberedUploads(env);
      expect(remembered.map((u) => u.target)).toEqual([digest]);

      proxy.rate = Number.POSITIVE_INFINITY;
      const second = await runCli(['scan', root, '--json'], env);
      expect(second.code).toBe(0);
      const sentSecond = proxy.forwarded('PATCH', '/api/v1/uploads') - sentFirst;
      const uploaded = ndjson(second.stdout).find((e) => e.event === 'uploaded' && e.sha256 === digest)!;
      expect(uploaded.resumed_from).toBeGreaterThanOrEqual(size / 4);
      expect(sentSecond).toBe(size - uploaded.resumed_from);
      // What the kill cost: the server received less than 1.3x the file in all.
      expect(sentFirst + sentSecond).toBeLessThan(1.3 * size);
      expect((await client.headBlob(digest)).size).toBe(size);
      expect(rememberedUploads(env)).toEqual([]);
    });
  });

  it('continues at the next run an upload whose server was killed mid-way and restarted', async () => {
    const own = await startServer();
    const proxy = await startMeteredProxy(own.url);
    let restarted: RunningServer | undefined;
    try {
      const size = 40 * MiB;
      const { root, big } = tree(size);
      const env = { ...cliHome(), HOARD_URL: proxy.url, HOARD_API_KEY: own.adminKey };
      proxy.rate = 16 * MiB;
      const first = spawnCli(['scan', root, '--json', '--resumable-threshold', '8M'], env);
      await until(() => proxy.forwarded('PATCH', '/api/v1/uploads') >= 12 * MiB, 60_000);
      await own.kill();
      const cut = await first.done;
      expect(cut.code).not.toBe(0);
      expect(rememberedUploads(env).map((u) => u.target)).toEqual([sha256(big)]);
      await until(() => proxy.active() === 0);
      const sentFirst = proxy.forwarded('PATCH', '/api/v1/uploads');

      restarted = await startServer({ dataDir: own.dataDir, port: own.port, env: { HOARD_BOOTSTRAP_ADMIN_KEY: own.adminKey } });
      proxy.rate = Number.POSITIVE_INFINITY;
      const second = await runCli(['scan', root, '--json', '--resumable-threshold', '8M'], env);
      expect(second.code).toBe(0);
      const uploaded = ndjson(second.stdout).find((e) => e.event === 'uploaded' && e.sha256 === sha256(big))!;
      expect(uploaded.resumed_from).toBeGreaterThan(0);
      expect(proxy.forwarded('PATCH', '/api/v1/uploads') - sentFirst).toBe(size - uploaded.resumed_from);
      const restartedClient = new HoardClient({ baseUrl: restarted.url, apiKey: own.adminKey });
      expect((await restartedClient.headBlob(sha256(big))).size).toBe(size);
      await restartedClient.close();
    } finally {
      await proxy.close();
      await restarted?.stop();
    }
  });

  it('hoard put sends a large file resumably; killed mid-way, it continues at the next run', async () => {
    const proxy = await startMeteredProxy(server.url);
    try {
      const size = 40 * MiB;
      const { bigPath, big } = tree(size);
      const env = { ...cliHome(), HOARD_URL: proxy.url, HOARD_API_KEY: server.adminKey };
      const args = ['put', 'backups/user-7/disk.img', bigPath, '--resumable-threshold', '8M', '--ttl', '1d', '--json'];
      proxy.rate = 16 * MiB;
      const first = spawnCli(args, env);
      await until(() => proxy.forwarded('PATCH', '/api/v1/uploads') >= 12 * MiB, 60_000);
      first.signal('SIGKILL');
      await first.done;
      await until(() => proxy.active() === 0);
      const sentFirst = proxy.forwarded('PATCH', '/api/v1/uploads');
      expect(rememberedUploads(env)).toHaveLength(1);

      proxy.rate = Number.POSITIVE_INFINITY;
      const second = await runCli(args, env);
      expect(second.code).toBe(0);
      expect(second.stderr).toMatch(/continued an upload cut short/);
      const stored = JSON.parse(second.stdout);
      expect(stored).toMatchObject({ bucket: 'backups', key: 'user-7/disk.img', version: 1, sha256: sha256(big), size });
      expect(stored.expires_at).not.toBeNull();
      expect(proxy.forwarded('PATCH', '/api/v1/uploads') - sentFirst).toBeLessThan(size);
      expect(rememberedUploads(env)).toEqual([]);
      const head = await client.headObject('backups', 'user-7/disk.img');
      expect([head.sha256, head.size]).toEqual([sha256(big), size]);
    } finally {
      await proxy.close();
    }
  });
});

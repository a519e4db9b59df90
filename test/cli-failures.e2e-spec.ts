import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HoardClient } from '@app/client';
import { cliHome, ndjson, runCli, startProxy, WALKERS } from './support/cli';
import { freePort, RunningServer, startServer, tempDir } from './support/server';
import { removeScratch, scratchDir, sha256 } from './support/tree';

/** A flat tree of `count` files of distinct random content. */
function flatTree(count: number, size: number): { root: string; files: Map<string, string> } {
  const root = scratchDir('hoard-flat-');
  const files = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const content = randomBytes(size);
    const path = join(root, `file-${String(i).padStart(4, '0')}.bin`);
    writeFileSync(path, content);
    files.set(path, sha256(content));
  }
  return { root, files };
}

async function currentRecords(client: HoardClient, hostname: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const r of client.iterateFiles({ hostname })) out.set(r.filepath, r.sha256);
  return out;
}

describe.each(WALKERS)('hoard when things go wrong (%s walker)', (walker) => {
  afterAll(() => removeScratch());

  it('exits 2 with one line when the server is down', async () => {
    const port = await freePort();
    const { root } = flatTree(3, 10);
    const res = await runCli(['scan', root], {
      ...cliHome(walker),
      HOARD_URL: `http://127.0.0.1:${port}`,
      HOARD_API_KEY: 'k',
      HOARD_RETRIES: '2',
    });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^hoard: cannot reach http:\/\/127\.0\.0\.1:\d+ \(connection refused\)\n$/);
  });

  describe('with a server', () => {
    let server: RunningServer;
    let client: HoardClient;
    beforeAll(async () => {
      server = await startServer();
      client = new HoardClient({ baseUrl: server.url, apiKey: server.adminKey });
    });
    afterAll(async () => {
      await client?.close();
      await server?.stop();
    });

    it('exits 2 with one line when the key is rejected, and with usage errors', async () => {
      const { root } = flatTree(2, 10);
      const res = await runCli(['scan', root], { ...cliHome(walker), HOARD_URL: server.url, HOARD_API_KEY: 'hk_wrong' });
      expect(res.code).toBe(2);
      expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^hoard: the server rejected the API key/)]);
      const usage = await runCli(['scan'], { ...cliHome(walker), HOARD_URL: server.url });
      expect([usage.code, usage.stderr.trim().split('\n').length]).toEqual([2, 1]);
      const missing = await runCli(['scan', join(root, 'nope')], {
        ...cliHome(walker),
        HOARD_URL: server.url,
        HOARD_API_KEY: server.adminKey,
      });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/^hoard: cannot scan .*nope: no such file or directory/);
    });

    it('login checks the key and saves it with mode 0600; later commands use it', async () => {
      const home = cliHome(walker);
      const bad = await runCli(['login', '--url', server.url, '--api-key', 'hk_wrong'], home);
      expect(bad.code).toBe(2);
      const ok = await runCli(['login', '--url', server.url, '--api-key', server.adminKey], home);
      expect(ok.code).toBe(0);
      const { statSync, readFileSync } = await import('node:fs');
      const file = join(home.XDG_CONFIG_HOME, 'hoard', 'config.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ url: server.url, api_key: server.adminKey });
      const stats = await runCli(['stats', '--json'], home);
      expect(stats.code).toBe(0);
      expect(Object.keys(JSON.parse(stats.stdout)).sort()).toEqual([
        'blobs',
        'dedup_ratio',
        'files',
        'hosts',
        'logical_bytes',
        'objects',
        'quarantined_blobs',
        'stored_bytes',
        'unreferenced_blobs',
        'unreferenced_bytes',
      ]);
    });

    it('keys create, ls and revoke; a revoked key is refused', async () => {
      const env = { ...cliHome(walker), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey };
      const created = await runCli(['keys', 'create', '--name', 'reader', '--scope', 'read', '--json'], env);
      expect(created.code).toBe(0);
      const key = JSON.parse(created.stdout);
      expect(key).toMatchObject({ name: 'reader', scopes: ['read'] });
      const listed = await runCli(['keys', 'ls', '--json'], env);
      expect(ndjsonObjects(listed.stdout).map((k) => k.id)).toContain(key.id);
      const asReader = { ...env, HOARD_API_KEY: key.key };
      expect((await runCli(['stats'], asReader)).code).toBe(0);
      expect((await runCli(['keys', 'revoke', key.id], env)).code).toBe(0);
      const refused = await runCli(['stats'], asReader);
      expect([refused.code, refused.stderr.trim().split('\n').length]).toEqual([2, 1]);
    });

    it('skips an unreadable file and an unreadable directory with a reason and records the rest', async () => {
      // Permissions do not stop root: as root, the CLI runs without the capabilities that bypass them.
      const { root, files } = flatTree(3, 100);
      mkdirSync(join(root, 'locked'));
      writeFileSync(join(root, 'locked', 'inside'), 'x');
      writeFileSync(join(root, 'secret'), 'secret');
      chmodSync(join(root, 'locked'), 0o000);
      chmodSync(join(root, 'secret'), 0o000);
      chmodSync(root, 0o755);
      const home = cliHome(walker);
      const env = { ...home, HOARD_URL: server.url, HOARD_API_KEY: server.adminKey, HOARD_HOSTNAME: 'perm-host' };
      const res = await runCli(['scan', root, '--json'], env, true);
      expect(res.code).toBe(0);
      const skipped = ndjson(res.stdout).filter((e) => e.event === 'skipped');
      expect(skipped).toEqual(
        [
          { event: 'skipped', path: join(root, 'locked'), reason: 'directory cannot be read (permission denied)' },
          { event: 'skipped', path: join(root, 'secret'), reason: 'permission denied' },
        ].sort((a, b) => (a.path < b.path ? -1 : 1)),
      );
      expect(await currentRecords(client, 'perm-host')).toEqual(files);
    });

    it('reports a file that vanishes during the scan and keeps the server consistent', async () => {
      const { root, files } = flatTree(10, 1000);
      const victim = [...files.keys()][4];
      const proxy = await startProxy(server.url, (req) => {
        if (req.method === 'POST' && req.url === '/api/v1/files/batch') rmSync(victim, { force: true });
      });
      try {
        const env = { ...cliHome(walker), HOARD_URL: proxy.url, HOARD_API_KEY: server.adminKey, HOARD_HOSTNAME: 'vanish-host' };
        const res = await runCli(['scan', root, '--json'], env);
        expect(res.code).toBe(0);
        const events = ndjson(res.stdout);
        expect(events.filter((e) => e.event === 'skipped')).toEqual([
          { event: 'skipped', path: victim, reason: expect.stringMatching(/^vanished during the scan/) },
        ]);
        expect(events.filter((e) => e.event === 'deleted')).toEqual([{ event: 'deleted', path: victim }]);
        const expected = new Map(files);
        expected.delete(victim);
        expect(await currentRecords(client, 'vanish-host')).toEqual(expected);
        expect(await client.missingBlobs([...expected.values()])).toEqual([]);
      } finally {
        await proxy.close();
      }
    });
  });

  it('finishes a scan after retries when the server restarts in the middle of it', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const adminKey = `hk_test_${randomBytes(16).toString('hex')}`;
    const start = () => startServer({ port, dataDir, env: { HOARD_BOOTSTRAP_ADMIN_KEY: adminKey } });
    let server = await start();
    let restarted: Promise<RunningServer> | undefined;
    // The server goes down as the second upload request arrives, and that request finds it gone: one pack of files is
    // stored before the restart, the rest after it.
    let uploads = 0;
    const proxy = await startProxy(server.url, async (req) => {
      if (req.method !== 'POST' || req.url !== '/api/v1/blobs/pack') return;
      uploads += 1;
      if (uploads !== 2) return;
      await server.kill();
      restarted = start();
    });
    const { root, files } = flatTree(200, 256 * 1024);
    const env = { ...cliHome(walker), HOARD_URL: proxy.url, HOARD_API_KEY: adminKey, HOARD_RETRIES: '12', HOARD_HOSTNAME: 'restart-host' };
    try {
      const res = await runCli(['scan', root, '--json', '--concurrency', '1'], env);
      expect(res.code).toBe(0);
      expect(restarted).toBeDefined();
      server = await restarted!;
      const events = ndjson(res.stdout);
      expect(events[events.length - 1]).toMatchObject({
        event: 'summary',
        failed: 0,
        recorded: files.size,
        uploaded: { files: files.size },
      });
      // The pack the restart cut short was sent again, to the restarted server.
      expect(uploads).toBeGreaterThanOrEqual(3);
      const client = new HoardClient({ baseUrl: server.url, apiKey: adminKey });
      try {
        expect(await currentRecords(client, 'restart-host')).toEqual(files);
        expect(await client.missingBlobs([...files.values()])).toEqual([]);
      } finally {
        await client.close();
      }
    } finally {
      await proxy.close();
      await (restarted ? await restarted : server).stop();
    }
  });
});

function ndjsonObjects(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

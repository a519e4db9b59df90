import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HoardClient } from '@app/client';
import { cliHome, CliProcess, ndjson, spawnCli, startProxy } from './support/cli';
import { freePort, RunningServer, startServer, tempDir } from './support/server';
import { removeScratch, scratchDir } from './support/tree';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds, failing after `ms`. */
async function until(what: string, check: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(100);
  }
}

describe('hoard watch', () => {
  const host = 'watch-host';
  const adminKey = `hk_test_${randomBytes(16).toString('hex')}`;
  let port: number;
  let dataDir: string;
  let server: RunningServer;
  let client: HoardClient;
  let root: string;
  let outside: string;
  let cli: CliProcess;
  const start = () => startServer({ port, dataDir, env: { HOARD_BOOTSTRAP_ADMIN_KEY: adminKey } });
  /** The current records of the host: path → digest. */
  const current = async () => {
    const out = new Map<string, string>();
    for await (const r of client.iterateFiles({ hostname: host })) out.set(r.filepath, r.sha256);
    return out;
  };
  const sha = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');
  const at = (name: string) => join(root, name);
  const recorded = async (name: string, content: string | Buffer) => (await current()).get(at(name)) === sha(content);
  const absent = async (name: string) => !(await current()).has(at(name));
  const events = () => ndjson(cli.stdout().slice(0, cli.stdout().lastIndexOf('\n') + 1));

  beforeAll(async () => {
    port = await freePort();
    dataDir = tempDir();
    server = await start();
    client = new HoardClient({ baseUrl: server.url, apiKey: adminKey });
    root = scratchDir('hoard-watch-');
    outside = scratchDir('hoard-watch-out-');
    mkdirSync(at('logs'));
    writeFileSync(at('a.txt'), 'first a\n');
    writeFileSync(at('logs/x.log'), 'a log\n');
    const env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: adminKey, HOARD_HOSTNAME: host, HOARD_RETRIES: '3' };
    cli = spawnCli(['watch', root, '--json', '--settle', '0.5', '--exclude', 'logs/', '--exclude', '*.tmp'], env);
    await until('the first scan', () => events().some((e) => e.event === 'summary' && e.batch === 'full'));
  });
  afterAll(async () => {
    cli?.signal('SIGKILL');
    await client?.close();
    await server?.stop();
    removeScratch();
  });

  it('records what the first scan finds, leaving out the excluded paths', async () => {
    expect([...(await current()).keys()]).toEqual([at('a.txt')]);
    expect(await recorded('a.txt', 'first a\n')).toBe(true);
  });

  it('records a created and a modified file', async () => {
    writeFileSync(at('b.txt'), 'new b\n');
    writeFileSync(at('a.txt'), 'second a\n');
    await until('both changes', async () => (await recorded('b.txt', 'new b\n')) && (await recorded('a.txt', 'second a\n')));
    expect((await client.fileHistory(host, at('a.txt'))).map((r) => r.sha256).sort()).toEqual([sha('first a\n'), sha('second a\n')].sort());
  });

  it('reports a rename as a deletion and a creation, and a removed file as deleted', async () => {
    renameSync(at('b.txt'), at('c.txt'));
    rmSync(at('a.txt'));
    await until('the rename and the deletion', async () => {
      const now = await current();
      return now.size === 1 && now.get(at('c.txt')) === sha('new b\n');
    });
    expect(
      events()
        .filter((e) => e.event === 'deleted')
        .map((e) => e.path)
        .sort(),
    ).toEqual([at('a.txt'), at('b.txt')]);
  });

  it('uploads a file written slowly once, with its final content, and ignores excluded paths', async () => {
    writeFileSync(at('skip.tmp'), 'excluded\n');
    writeFileSync(at('logs/y.log'), 'excluded log\n');
    // The same, in a directory made just now (the directory's creation is handed on before its file is quiet).
    mkdirSync(at('fresh'));
    let content = '';
    // Written over 5 s, a line every 200 ms.
    for (let i = 0; i < 25; i++) {
      const chunk = `line ${i} ${randomBytes(8).toString('hex')}\n`;
      appendFileSync(at('slow.txt'), chunk);
      appendFileSync(at('fresh/slow.txt'), chunk);
      content += chunk;
      await pause(200);
    }
    await until('the slow files', async () => (await recorded('slow.txt', content)) && (await recorded('fresh/slow.txt', content)));
    // One version each: no partly written state was ever recorded.
    expect((await client.fileHistory(host, at('slow.txt'))).map((r) => r.sha256)).toEqual([sha(content)]);
    expect((await client.fileHistory(host, at('fresh/slow.txt'))).map((r) => r.sha256)).toEqual([sha(content)]);
    expect(await absent('skip.tmp')).toBe(true);
    expect(await absent('logs/y.log')).toBe(true);
  });

  it('scans a directory moved in', async () => {
    mkdirSync(join(outside, 'album/inner'), { recursive: true });
    writeFileSync(join(outside, 'album/p1.jpg'), 'photo one\n');
    writeFileSync(join(outside, 'album/inner/p2.jpg'), 'photo two\n');
    writeFileSync(join(outside, 'album/inner/t.tmp'), 'excluded\n');
    renameSync(join(outside, 'album'), at('album'));
    await until(
      'the moved directory',
      async () => (await recorded('album/p1.jpg', 'photo one\n')) && (await recorded('album/inner/p2.jpg', 'photo two\n')),
    );
    expect(await absent('album/inner/t.tmp')).toBe(true);
  });

  it('makes each batch its own scan run on the server, with the counts of its summary', async () => {
    const summaries = () => events().filter((e) => e.event === 'summary');
    // A batch's summary line comes before its run is closed: wait until the server has closed every run.
    await until('every batch closed', async () => {
      const opened = events().filter((e) => e.event === 'scan_run');
      const runs = (await client.listScans({ hostname: host })).items;
      return summaries().length === opened.length && runs.length === opened.length && runs.every((r) => r.state !== 'running');
    });
    const runs = (await client.listScans({ hostname: host })).items;
    expect(runs.map((r) => r.id).sort()).toEqual(
      summaries()
        .map((s) => s.scan_id as string)
        .sort(),
    );
    for (const s of summaries()) {
      expect(runs.find((r) => r.id === s.scan_id)).toMatchObject({
        state: 'succeeded',
        reason: null,
        roots: [root],
        files_seen: s.seen,
        files_hashed: s.hashed.files,
        bytes_hashed: s.hashed.bytes,
        files_uploaded: s.uploaded.files,
        bytes_uploaded: s.uploaded.bytes,
        files_failed: 0,
        failures: [],
      });
    }
    // The first is the full scan (a.txt alone); the changes since sent b, the second a, the slow file and the two photos
    // (c.txt, the renamed b, has content the server holds).
    const [first, ...changes] = summaries();
    expect(first).toMatchObject({ batch: 'full', recorded: 1, uploaded: { files: 1, bytes: 8 } });
    expect(changes.length).toBeGreaterThanOrEqual(4);
    expect(changes.every((s) => s.batch === 'changes')).toBe(true);
    expect(changes.reduce((n, s) => n + s.uploaded.files, 0)).toBe(5);
    expect(changes.reduce((n, s) => n + s.deleted, 0)).toBe(2);
  });

  it('catches up on what changed while the server was away', async () => {
    await server.kill();
    writeFileSync(at('during.txt'), 'written while the server was down\n');
    rmSync(at('c.txt'));
    await until('a failed attempt', () => cli.stderr().includes('trying again'));
    server = await start();
    await until(
      'the catch-up',
      async () => (await recorded('during.txt', 'written while the server was down\n')) && (await absent('c.txt')),
    );
  });

  it('ends with 0 on SIGTERM', async () => {
    cli.signal('SIGTERM');
    const res = await cli.done;
    expect(res.code).toBe(0);
  });

  it('finishes the upload in flight on SIGTERM, then exits 0', async () => {
    const dir = scratchDir('hoard-watch-term-');
    let watcher: CliProcess | null = null;
    let signalled = false;
    const proxy = await startProxy(server.url, async (req) => {
      const upload = req.method === 'PUT' && req.url?.includes('/blobs/');
      if (upload && !signalled && watcher) {
        signalled = true;
        watcher.signal('SIGTERM');
        await pause(500);
      }
    });
    try {
      const env = { ...cliHome(), HOARD_URL: proxy.url, HOARD_API_KEY: adminKey, HOARD_HOSTNAME: 'term-host' };
      watcher = spawnCli(['watch', dir, '--settle', '0.2'], env);
      await until('the watch to start', () => watcher!.stderr().includes('Watching'));
      // The first scan (of nothing) has its run closed before the file is written, so the file comes as a change.
      await until('the first scan', async () => (await client.listScans({ hostname: 'term-host' })).items[0]?.state === 'succeeded');
      const big = randomBytes(4 * 1024 * 1024);
      writeFileSync(join(dir, 'big.bin'), big);
      const res = await watcher.done;
      expect(signalled).toBe(true);
      expect(res.code).toBe(0);
      expect(await client.missingBlobs([sha(big)])).toEqual([]);
      const records = [];
      for await (const r of client.iterateFiles({ hostname: 'term-host' })) records.push([r.filepath, r.sha256]);
      expect(records).toEqual([[join(dir, 'big.bin'), sha(big)]]);
      // The batch in flight finished, so its run closed succeeded (newest first: that batch, then the first scan).
      const runs = (await client.listScans({ hostname: 'term-host' })).items;
      expect(runs.map((r) => [r.state, r.files_uploaded, r.bytes_uploaded])).toEqual([
        ['succeeded', 1, big.length],
        ['succeeded', 0, 0],
      ]);
    } finally {
      watcher?.signal('SIGKILL');
      await proxy.close();
    }
  });
});

import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { HoardClient } from '@app/client';
import { FileMetadata } from '@app/contracts';
import { cliHome, runCli, startCli } from './support/cli';
import { freePort, RunningServer, startServer } from './support/server';
import { removeScratch, sha256 } from './support/tree';

const RECORDS = 5000;

/** How the CLI's output reaches a pipe, and how it fails when it cannot run. */
describe('hoard output and failures', () => {
  let server: RunningServer;
  let client: HoardClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startServer();
    client = new HoardClient({ baseUrl: server.url, apiKey: server.adminKey });
    env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey, HOARD_HOSTNAME: 'pipe-host' };
    for (let batch = 0; batch < RECORDS / 1000; batch++) {
      const files: FileMetadata[] = Array.from({ length: 1000 }, (_, i) => {
        const content = `content ${batch * 1000 + i}`;
        return {
          hostname: 'pipe-host',
          filepath: `/pipe/${batch}/${'long-name-'.repeat(8)}${i}`,
          sha256: sha256(Buffer.from(content)),
          size: content.length,
        };
      });
      await client.recordBatch(files);
    }
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    removeScratch();
  });

  /** Runs `hoard <args>` with a slow reader on its stdout: it takes 1 KiB at a time, a millisecond apart. */
  async function readSlowly(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const proc = startCli(args, env);
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const chunks: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        setTimeout(done, 1);
      },
    });
    const [code] = await Promise.all([
      new Promise<number | null>((resolve) => proc.once('close', resolve)),
      new Promise((resolve) => proc.stdout.pipe(slow).once('finish', resolve)),
    ]);
    return { code, stdout: Buffer.concat(chunks).toString(), stderr };
  }

  it('writes every line to a slow reader of a pipe, as JSON and as a table', async () => {
    const json = await readSlowly(['ls', '--json']);
    expect([json.code, json.stderr]).toEqual([0, '']);
    const lines = json.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(RECORDS);
    expect(new Set(lines.map((l) => JSON.parse(l).filepath)).size).toBe(RECORDS);
    const table = await readSlowly(['ls']);
    expect(table.code).toBe(0);
    expect(table.stdout.trimEnd().split('\n').length).toBe(RECORDS + 1);
  });

  it('ends quietly when the reader closes the pipe early', async () => {
    const proc = startCli(['ls', '--json'], env);
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const first = await new Promise<string>((resolve) => proc.stdout.once('data', (c: Buffer) => resolve(c.toString())));
    proc.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => proc.once('close', resolve));
    expect(JSON.parse(first.split('\n')[0])).toMatchObject({ hostname: 'pipe-host' });
    expect([code, stderr]).toEqual([141, '']);
  });

  it('exits 2 within 3 s when nothing listens at the URL, and when what listens never answers', async () => {
    const silent: Socket[] = [];
    const blackhole: Server = createServer((socket) => silent.push(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    try {
      const refused = `http://127.0.0.1:${await freePort()}`;
      const hanging = `http://127.0.0.1:${(blackhole.address() as AddressInfo).port}`;
      for (const [url, why] of [
        [refused, 'connection refused'],
        [hanging, 'no answer within 2 s'],
      ]) {
        const started = Date.now();
        const res = await runCli(['scan', '/tmp'], { ...env, HOARD_URL: url });
        expect(Date.now() - started).toBeLessThan(3000);
        expect([res.code, res.stdout, res.stderr]).toEqual([2, '', `hoard: cannot reach ${url} (${why})\n`]);
      }
      const notHoard = await runCli(['ls'], { ...env, HOARD_URL: `${server.url}/elsewhere` });
      expect([notHoard.code, notHoard.stderr]).toEqual([
        2,
        `hoard: ${server.url}/elsewhere does not answer as a Hoard server (is the URL right?)\n`,
      ]);
    } finally {
      silent.forEach((s) => s.destroy());
      blackhole.close();
    }
  });

  it('says that no key is configured, without blaming the server', async () => {
    const res = await runCli(['ls'], { ...env, HOARD_API_KEY: undefined });
    expect([res.code, res.stderr]).toEqual([
      2,
      'hoard: no API key is configured: run "hoard login", set HOARD_API_KEY or pass --api-key\n',
    ]);
  });

  it('prints one sentence per error, with its code only under --verbose', async () => {
    const unknown = randomBytes(32).toString('hex');
    const plain = await runCli(['clones', unknown.slice(0, 12)], env);
    expect([plain.code, plain.stderr]).toEqual([2, `hoard: no recorded content has a digest starting with ${unknown.slice(0, 12)}\n`]);
    const verbose = await runCli(['clones', unknown.slice(0, 12), '--verbose'], env);
    expect(verbose.stderr).toBe(`hoard: no recorded content has a digest starting with ${unknown.slice(0, 12)} (not_found)\n`);
    const refused = await runCli(['ls'], { ...env, HOARD_API_KEY: 'hk_wrong_key' });
    expect(refused.stderr).not.toMatch(/\((unauthorized|invalid_request)\)/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  });
});

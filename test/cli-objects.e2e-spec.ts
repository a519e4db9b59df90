import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { cliHome, runCli } from './support/cli';
import { Http, sha256 } from './support/http';
import { RunningServer, startServer } from './support/server';
import { scratchDir } from './support/tree';

/**
 * A proxy that passes everything through but flips one byte of every object's content on its way back: what a
 * client that verifies what it receives must catch.
 */
async function startTamperingProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    const upstream = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      let flipped = false;
      const tamper = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          if (!flipped && chunk.length > 0 && req.method === 'GET' && req.url?.startsWith('/api/v1/objects/') && up.statusCode === 200) {
            chunk = Buffer.from(chunk);
            chunk[0] ^= 0xff;
            flipped = true;
          }
          done(null, chunk);
        },
      });
      up.pipe(tamper).pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('CLI: objects (put, cat, objects ls|rm)', () => {
  let server: RunningServer;
  let http: Http;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    server = await startServer();
    http = new Http(server.url, server.adminKey);
    env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey };
    dir = scratchDir('hoard-cli-objects-');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('puts a file (verified by the server against the digest it was hashed to) with its options, and cats it back', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 11);
    const file = join(dir, 'db.sqlite');
    writeFileSync(file, data);
    const put = await runCli(
      [
        'put',
        'backups/user-7/db.sqlite',
        file,
        '--ttl',
        '2h',
        '--meta',
        'app=notes',
        '--content-type',
        'application/vnd.sqlite3',
        '--json',
      ],
      env,
    );
    expect([put.code, put.stderr]).toEqual([0, expect.stringContaining('backups/user-7/db.sqlite: version 1')]);
    const stored = JSON.parse(put.stdout);
    expect(stored).toMatchObject({ bucket: 'backups', key: 'user-7/db.sqlite', version: 1, sha256: sha256(data), size: data.length });
    expect(stored.metadata).toEqual({ app: 'notes' });
    expect(new Date(stored.expires_at).getTime() - new Date(stored.created_at).getTime()).toBe(7_200_000);

    const out = join(dir, 'restored.sqlite');
    const cat = await runCli(['cat', 'backups/user-7/db.sqlite', '-o', out], env);
    expect([cat.code, cat.stderr]).toEqual([0, expect.stringContaining('sha256 verified')]);
    expect(readFileSync(out).equals(data)).toBe(true);
    const again = await runCli(['cat', 'backups/user-7/db.sqlite', '-o', out], env);
    expect([again.code, again.stderr]).toEqual([2, expect.stringContaining('already exists')]);
  });

  it('puts stdin, which the server hashes as it arrives; cats a version to stdout', async () => {
    const first = await runCli(['put', 'notes/today.txt', '-'], env, false, { input: 'first words\n' });
    const second = await runCli(['put', 'notes/today.txt', '-', '--json'], env, false, { input: 'second words\n' });
    expect([first.code, second.code, JSON.parse(second.stdout).version]).toEqual([0, 0, 2]);
    expect(JSON.parse(second.stdout).sha256).toBe(sha256('second words\n'));
    const latest = await runCli(['cat', 'notes/today.txt'], env);
    const older = await runCli(['cat', 'notes/today.txt', '--version', '1', '-o', '-'], env);
    expect([latest.code, latest.stdout, older.code, older.stdout]).toEqual([0, 'second words\n', 0, 'first words\n']);
  });

  it('lists a bucket by prefix (a table, or JSON lines), and removes an object: cat then answers that it is gone', async () => {
    for (const key of ['ws-1/a.csv', 'ws-1/b.csv', 'ws-2/c.csv']) {
      expect((await runCli(['put', `space/${key}`, '-'], env, false, { input: key })).code).toBe(0);
    }
    const json = await runCli(['objects', 'ls', 'space', '--prefix', 'ws-1/', '--json'], env);
    expect(json.code).toBe(0);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).key),
    ).toEqual(['ws-1/a.csv', 'ws-1/b.csv']);
    const table = await runCli(['objects', 'ls', 'space'], env);
    expect(table.stdout.split('\n')[0]).toMatch(/^VER\s+SIZE\s+SHA256\s+CREATED\s+EXPIRES\s+KEY$/);
    expect(table.stdout).toContain('ws-2/c.csv');

    const rm = await runCli(['objects', 'rm', 'space/ws-1/a.csv'], env);
    expect([rm.code, rm.stderr]).toEqual([0, 'space/ws-1/a.csv deleted.\n']);
    const cat = await runCli(['cat', 'space/ws-1/a.csv'], env);
    expect([cat.code, cat.stderr]).toEqual([2, expect.stringContaining('was deleted')]);
    expect((await http.get('/api/v1/objects/space/ws-1/a.csv')).status).toBe(410);
    const missing = await runCli(['objects', 'rm', 'space/never'], env);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('No object space/never')]);
  });

  it('cat verifies what it receives: altered content leaves no file (exit 1), and stdout output ends with an error', async () => {
    const data = randomBytes(200_000);
    const file = join(dir, 'result.zip');
    writeFileSync(file, data);
    expect((await runCli(['put', 'results/job-1.zip', file], env)).code).toBe(0);
    const proxy = await startTamperingProxy(server.url);
    try {
      const target = scratchDir('hoard-cli-objects-out-');
      const out = join(target, 'job-1.zip');
      const cat = await runCli(['cat', 'results/job-1.zip', '-o', out], { ...env, HOARD_URL: proxy.url });
      expect([cat.code, cat.stderr]).toEqual([1, expect.stringContaining('hashes to')]);
      expect([existsSync(out), readdirSync(target)]).toEqual([false, []]);
      const toStdout = await runCli(['cat', 'results/job-1.zip'], { ...env, HOARD_URL: proxy.url });
      expect([toStdout.code, toStdout.stderr]).toEqual([1, expect.stringContaining('hashes to')]);
    } finally {
      await proxy.close();
    }
    // Through the server itself it is whole.
    const direct = join(dir, 'direct.zip');
    expect((await runCli(['cat', 'results/job-1.zip', '-o', direct], env)).code).toBe(0);
    expect(readFileSync(direct).equals(data)).toBe(true);
  });

  it('refuses bad names and options before sending anything (exit 2)', async () => {
    for (const args of [
      ['put', 'nobucket', '-'],
      ['put', 'Bad/key', '-'],
      ['put', 'b/a/../c', '-'],
      ['put', 'b/k', '-', '--ttl', 'soon'],
      ['put', 'b/k', '-', '--meta', 'novalue'],
      ['cat', 'b//k'],
      ['objects', 'ls', 'UPPER'],
    ]) {
      const res = await runCli(args, env, false, { input: 'x' });
      expect([args.join(' '), res.code]).toEqual([args.join(' '), 2]);
    }
    expect((await http.get('/api/v1/objects/b')).json().items).toEqual([]);
  });
});

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { metricSum } from './support/cli';
import { PUTPLACE_CLIENT_VERSION } from './support/putplace-client';
import { RunningServer, startServer } from './support/server';
import { EMPTY_SHA, expectStatus, Http } from './support/http';
import { removeScratch, scratchDir } from './support/tree';

const bin = process.env.HOARD_TEST_PPCLIENT_BIN;
if (!bin) {
  process.stderr.write(
    `\n!! HOARD_TEST_PPCLIENT_BIN is not set (no python3?): the putplace-client ${PUTPLACE_CLIENT_VERSION} suite is SKIPPED\n\n`,
  );
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** 30 files under nested directories: non-ASCII names, a few MB in all, 5 repeating earlier content, one empty. */
function writeTree(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const distinct: Buffer[] = [];
  for (let i = 0; i < 24; i++) {
    // Three of a megabyte or so, the rest from a few bytes to 64 KiB.
    const size = i < 3 ? 900_000 + i * 100_000 : (i * 2_731) % 65_536;
    distinct.push(i === 23 ? Buffer.alloc(0) : randomBytes(size));
  }
  const names = ['café', 'naïve résumé', '日本語', 'Ελληνικά', 'emoji 🚀', 'plain'];
  for (let i = 0; i < 30; i++) {
    const dir = join(names[i % names.length], i % 4 === 0 ? 'deeper/still' : '');
    const rel = join(dir, `${names[(i + 1) % names.length]}-${i}.bin`);
    files.set(rel, i < 24 ? distinct[i] : distinct[(i * 7) % 20]);
  }
  for (const [rel, content] of files) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return files;
}

interface Run {
  code: number | null;
  output: string;
}

/** Runs the stock client over `root` against the server, logging in with `key` as its password. */
function ppclient(server: RunningServer, root: string, key: string, home: string): Promise<Run> {
  const args = ['--path', root, '--url', `${server.url}/put_file`, '--hostname', 'putplace-host', '--ip', '127.0.0.1'];
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    PYTHONIOENCODING: 'utf-8',
    COLUMNS: '200',
    NO_COLOR: '1',
    PUTPLACE_EMAIL: 'ops@example.com',
    PUTPLACE_PASSWORD: key,
  };
  // Its working directory and HOME hold no ppclient.conf, so nothing but these arguments configures it.
  const proc = spawn(bin!, args, { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  proc.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, output })));
}

(bin ? describe : describe.skip)(`putplace-client ${PUTPLACE_CLIENT_VERSION} against Hoard`, () => {
  let server: RunningServer;
  let admin: Http;

  beforeAll(async () => {
    server = await startServer({ env: { HOARD_LOG_LEVEL: 'info' } });
    admin = new Http(server.url, server.adminKey);
  });

  afterAll(async () => {
    await server?.stop();
    removeScratch();
  });

  it('scans a tree in: every file recorded, each distinct content uploaded once, nothing sent again by a second run', async () => {
    const root = scratchDir('hoard-ppclient-tree-');
    const home = scratchDir('hoard-ppclient-home-');
    const files = writeTree(root);
    const contents = new Set([...files.values()].map(sha));
    const uploadable = [...contents].filter((d) => d !== EMPTY_SHA);
    expect(files.size).toBe(30);
    expect(contents.size).toBe(24);
    const { id, key } = await admin.mintKey(['write'], 'ppclient');
    const metrics = async () => (await admin.get('/metrics')).text;
    const uploads = (text: string, status: string) =>
      metricSum(text, 'hoard_http_requests_total', { route: '/upload_file/:sha256', status });
    const recorded = (text: string, status: string) => metricSum(text, 'hoard_http_requests_total', { route: '/put_file', status });

    const first = await ppclient(server, root, key, home);
    expect({ code: first.code, output: first.output }).toEqual({ code: 0, output: expect.stringContaining('Total files: 30') });
    expect(first.output).toContain('Successful: 30');
    expect(first.output).toContain(`Uploaded: ${uploadable.length}`);
    const afterFirst = await metrics();
    expect(recorded(afterFirst, '201')).toBe(30);
    expect(uploads(afterFirst, '201')).toBe(uploadable.length);
    expect(uploads(afterFirst, '200')).toBe(0);
    expect(metricSum(afterFirst, 'hoard_blob_uploads_total', { result: 'created' })).toBe(uploadable.length);

    const listed = (await admin.get('/api/v1/files', { query: { hostname: 'putplace-host', limit: 1000 } })).json().items;
    const byPath = new Map<string, any>(listed.map((r: any) => [r.filepath, r]));
    expect([...byPath.keys()].sort()).toEqual([...files.keys()].map((rel) => join(root, rel)).sort());
    for (const [rel, content] of files) {
      const record = byPath.get(join(root, rel));
      expect({ rel, sha256: record.sha256, size: record.size, available: record.content_available }).toEqual({
        rel,
        sha256: sha(content),
        size: content.length,
        available: true,
      });
    }
    for (const digest of uploadable) {
      const res = await admin.get(`/api/v1/blobs/${digest}`);
      expectStatus(res, 200);
      expect(sha(res.body)).toBe(digest);
    }

    const second = await ppclient(server, root, key, home);
    expect(second.code).toBe(0);
    expect(second.output).toContain('Successful: 30');
    expect(second.output).not.toContain('Uploaded:');
    const afterSecond = await metrics();
    expect(recorded(afterSecond, '200')).toBe(30);
    expect(recorded(afterSecond, '201')).toBe(30);
    expect(uploads(afterSecond, '201') + uploads(afterSecond, '200')).toBe(uploadable.length);

    // It logged in with the key and every request of both runs was made with its token, standing for that key.
    const requests = server
      .output()
      .split('\n')
      .filter((l) => l.includes('"msg":"request"'))
      .map((l) => JSON.parse(l));
    expect(requests.filter((r) => r.route === '/api/login').map((r) => [r.status, r.key_id])).toEqual([
      [200, null],
      [200, null],
    ]);
    const scanned = requests.filter((r) => r.route === '/put_file' || r.route === '/upload_file/:sha256');
    expect(scanned).toHaveLength(60 + uploadable.length);
    expect(new Set(scanned.map((r) => r.key_id))).toEqual(new Set([id]));
    expect(server.output()).not.toContain(key);
  });
});

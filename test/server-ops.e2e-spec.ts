import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { freePort, RunningServer, SERVER_MAIN, startServer, tempDir } from './support/server';
import { blobFilesOnDisk, expectError, expectStatus, Http, randomContent } from './support/http';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The value of one Prometheus sample (labels given as `name="value"` strings), or 0 when absent. */
function sample(text: string, name: string, labels: string[] = []): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const match = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    if (labels.every((l) => (match[2] ?? '').includes(l))) total += Number(match[3]);
  }
  return total;
}

describe('server: operations', () => {
  let server: RunningServer;
  let anon: Http;
  let admin: Http;

  beforeAll(async () => {
    server = await startServer();
    anon = new Http(server.url);
    admin = anon.as(server.adminKey);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('GET /health answers 200 {"status":"ok"} without a key', async () => {
    const res = await anon.get('/health');
    expectStatus(res, 200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready answers 200 with both stores up', async () => {
    const res = await anon.get('/ready');
    expectStatus(res, 200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.checks).toEqual({
      metadata: { status: 'up', kind: 'sqlite' },
      blobs: { status: 'up', kind: 'local' },
    });
  });

  it('GET / names the server, its version and the docs', async () => {
    const res = await anon.get('/');
    expectStatus(res, 200);
    expect(res.json()).toEqual({ name: 'hoard', version: expect.stringMatching(/^\d+\.\d+\.\d+/), docs: '/docs' });
  });

  it('GET /openapi.json describes every route of the contract with its methods; /docs serves the UI', async () => {
    const res = await anon.get('/openapi.json');
    expectStatus(res, 200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    const routes: Record<string, string[]> = {
      '/': ['get'],
      '/health': ['get'],
      '/ready': ['get'],
      '/openapi.json': ['get'],
      '/metrics': ['get'],
      '/api/v1/audit': ['get'],
      '/api/v1/audit/verify': ['get'],
      '/api/v1/blobs/missing': ['post'],
      '/api/v1/blobs/pack': ['post'],
      '/api/v1/blobs/{sha256}': ['delete', 'get', 'head', 'put'],
      '/api/v1/blobs/{sha256}/files': ['get'],
      '/api/v1/blobs/{sha256}/reinstate': ['post'],
      '/api/v1/files': ['delete', 'get', 'post'],
      '/api/v1/files/batch': ['post'],
      '/api/v1/files/deleted': ['post'],
      '/api/v1/files/seen': ['post'],
      '/api/v1/files/history': ['get'],
      '/api/v1/files/content': ['get'],
      '/api/v1/files/{id}': ['delete', 'get'],
      '/api/v1/keys': ['get', 'post'],
      '/api/v1/keys/me': ['get'],
      '/api/v1/keys/{id}': ['delete'],
      '/api/v1/stats': ['get'],
      '/put_file': ['post'],
      '/upload_file/{sha256}': ['post'],
      '/get_file/{sha256}': ['get'],
      '/api_keys': ['get', 'post'],
      '/api_keys/{id}/revoke': ['put'],
      '/api_keys/{id}': ['delete'],
      '/api/login': ['post'],
      '/api/v2/auth/login': ['post'],
      '/api/v1/jobs': ['get', 'post'],
      '/api/v1/jobs/{id}': ['delete', 'get'],
      '/api/v1/retention': ['get', 'put'],
      '/api/v1/objects/{bucket}': ['delete', 'get', 'post'],
      '/api/v1/objects/{bucket}/{key}': ['delete', 'get', 'head', 'put'],
      '/api/v1/scans': ['get', 'post'],
      '/api/v1/scans/{id}': ['get', 'patch'],
      '/api/v1/hosts': ['get'],
      '/api/v1/uploads': ['options', 'post'],
      '/api/v1/uploads/{id}': ['delete', 'head', 'options', 'patch'],
    };
    expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(routes).sort());
    for (const [path, methods] of Object.entries(routes)) {
      expect({ path, methods: Object.keys(doc.paths[path] ?? {}).sort() }).toEqual({ path, methods });
    }
    expect(doc.components.securitySchemes['api-key']).toEqual({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const record = doc.paths['/api/v1/files'].post;
    expect(record.requestBody.content['application/json'].schema.required.sort()).toEqual(['filepath', 'hostname', 'sha256', 'size']);
    expect(Object.keys(record.responses).sort()).toEqual(['200', '201', '400', '401', '403', '408', '413', '429', '431', '500', '503']);
    expect(record.security).toEqual([{ 'api-key': [] }, { bearer: [] }]);
    const login = doc.paths['/api/login'].post;
    expect(login.security).toEqual([]);
    expect(Object.keys(login.responses).sort()).toEqual(['200', '400', '401', '408', '413', '431', '500', '503']);
    const docs = await anon.get('/docs');
    expectStatus(docs, 200);
    expect(docs.header('content-type')).toMatch(/text\/html/);
    expect(docs.text).toMatch(/swagger/i);
  });

  it('GET /metrics serves Prometheus text counting requests and verified bytes', async () => {
    const first = (await anon.get('/metrics')).text;
    const { data, sha } = randomContent(12_345);
    expectStatus(await admin.put(`/api/v1/blobs/${sha}`, data), 201);
    expectStatus(await admin.put(`/api/v1/blobs/${sha}`, data), 200);
    const res = await anon.get('/metrics');
    expectStatus(res, 200);
    expect(res.header('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toContain('# TYPE hoard_http_requests_total counter');
    expect(res.text).toContain('# TYPE hoard_blob_bytes_in_total counter');
    expect(sample(res.text, 'hoard_blob_bytes_in_total') - sample(first, 'hoard_blob_bytes_in_total')).toBe(12_345);
    const puts = ['method="PUT"', 'route="/api/v1/blobs/:sha256"'];
    expect(sample(res.text, 'hoard_http_requests_total', [...puts, 'status="201"'])).toBe(
      sample(first, 'hoard_http_requests_total', [...puts, 'status="201"']) + 1,
    );
    expect(sample(res.text, 'hoard_http_requests_total', [...puts, 'status="200"'])).toBe(
      sample(first, 'hoard_http_requests_total', [...puts, 'status="200"']) + 1,
    );
    expect(res.text).toMatch(/^hoard_http_request_duration_seconds_bucket\{/m);
    expect(res.text).toMatch(/^hoard_blobs_stored \d+/m);
  });

  it('GET /api/v1/stats needs a key', async () => {
    expectError(await anon.get('/api/v1/stats'), 401, 'unauthorized');
  });

  it('GET /ready answers 503 unavailable naming the blob store while its directory is gone, and 200 once it is back', async () => {
    const blobs = join(server.dataDir, 'blobs');
    const aside = join(server.dataDir, 'blobs-aside');
    renameSync(blobs, aside);
    try {
      const res = await anon.get('/ready');
      const error = expectError(res, 503, 'unavailable', [server.dataDir]);
      expect(error.message).toMatch(/blob/);
      expect(error.message).not.toMatch(/metadata/);
      expect(error.details.checks.metadata.status).toBe('up');
      expect(error.details.checks.blobs.status).toBe('down');
      const { data, sha } = randomContent(100);
      const put = expectError(await admin.put(`/api/v1/blobs/${sha}`, data), 503, 'unavailable', [server.dataDir]);
      expect(put.message).toBe('The blob store is not answering; try again later');
      expect(server.output()).toContain(join(server.dataDir, 'blobs'));
      expectStatus(await anon.get('/health'), 200);
    } finally {
      renameSync(aside, blobs);
    }
    expectStatus(await anon.get('/ready'), 200);
  });
});

describe('server: metadata store held by another process', () => {
  it('answers a write 503 unavailable naming the metadata store, and records again once the lock is gone', async () => {
    // SQLite waits for a lock on the event loop; load shedding would answer the next request 503 for that reason.
    const server = await startServer({ env: { HOARD_MAX_EVENT_LOOP_DELAY_MS: '0' } });
    const writer = new Http(server.url, server.adminKey);
    const meta = { hostname: 'locked', filepath: '/f', sha256: randomContent(8).sha, size: 8 };
    const db = new Database(join(server.dataDir, 'hoard.db'));
    try {
      db.exec('BEGIN EXCLUSIVE');
      const res = await writer.post('/api/v1/files', meta);
      const error = expectError(res, 503, 'unavailable', [server.dataDir]);
      expect(error.message).toBe('The metadata store is not answering; try again later');
      db.exec('ROLLBACK');
      expectStatus(await writer.post('/api/v1/files', meta), 201);
    } finally {
      db.close();
      await server.stop();
    }
  });
});

/** Runs the server with `env` (on 127.0.0.1) until it exits by itself: its exit code and all it wrote. */
async function runUntilExit(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, [SERVER_MAIN], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  return { code, out };
}

describe('server: configuration', () => {
  it('HOARD_METRICS=false turns /metrics into a 404', async () => {
    const server = await startServer({ env: { HOARD_METRICS: 'false' } });
    try {
      expectError(await new Http(server.url).get('/metrics'), 404, 'not_found');
      expectStatus(await new Http(server.url).get('/health'), 200);
    } finally {
      await server.stop();
    }
  });

  it('a bad value stops the start with exit code 2 and one message naming every bad variable', async () => {
    const { code, out } = await runUntilExit({ HOARD_DATA_DIR: tempDir(), PORT: 'abc', HOARD_METRICS: 'maybe' });
    expect(code).toBe(2);
    expect(out).toMatch(/PORT/);
    expect(out).toMatch(/HOARD_METRICS/);
    expect(out.match(/Invalid configuration/g)).toHaveLength(1);
    expect(out).not.toMatch(/\bat .+:\d+:\d+/);
  });
});

describe('server: one server per SQLite data directory', () => {
  it('refuses a second server on the data directory of a running one, and starts on it once that one is killed', async () => {
    const first = await startServer();
    let second: RunningServer | null = null;
    try {
      const content = randomContent(3000);
      const admin = new Http(first.url, first.adminKey);
      expect(await admin.upload(content.data)).toBe(content.sha);
      const { code, out } = await runUntilExit({ HOARD_DATA_DIR: first.dataDir, PORT: String(await freePort()) });
      expect(code).toBe(1);
      expect(out.trim()).toBe(
        `hoard: could not start: another server is running on the data directory ${first.dataDir} ` +
          `(it holds ${join(first.dataDir, 'server.lock')}); stop it first`,
      );
      // The first goes on, its content whole.
      expect((await admin.get(`/api/v1/blobs/${content.sha}`)).body.equals(content.data)).toBe(true);
      // Killed, it leaves no lock behind: the next server starts on the directory at once and serves the content.
      await first.kill();
      second = await startServer({ dataDir: first.dataDir });
      expect((await new Http(second.url, first.adminKey).get(`/api/v1/blobs/${content.sha}`)).body.equals(content.data)).toBe(true);
    } finally {
      if (second) await second.stop();
      else await first.stop();
    }
  });
});

describe('server: rate limiting per key', () => {
  it('answers the 6th request of a key within the window with 429 and Retry-After; other keys go on', async () => {
    const server = await startServer({ env: { HOARD_RATE_LIMIT: '5' } });
    try {
      const admin = new Http(server.url, server.adminKey);
      const minted = await admin.post('/api/v1/keys', { name: 'limited', scopes: ['read'] });
      expectStatus(minted, 201);
      const limited = admin.as(minted.json().key);
      for (let i = 0; i < 5; i++) expectStatus(await limited.get('/api/v1/keys/me'), 200);
      const res = await limited.get('/api/v1/keys/me');
      expectError(res, 429, 'rate_limited');
      const retryAfter = Number(res.header('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expectStatus(await admin.get('/api/v1/keys/me'), 200);
      // Public routes carry no key: probes and scrapers are never limited.
      for (let i = 0; i < 8; i++) expectStatus(await admin.as(undefined).get('/health'), 200);
      for (let i = 0; i < 8; i++) expectStatus(await admin.as(undefined).get('/metrics'), 200);
    } finally {
      await server.stop();
    }
  });
});

describe('server: graceful shutdown', () => {
  it('lets an upload in flight at SIGTERM finish (201) and then exits 0', async () => {
    const server = await startServer();
    const writer = new Http(server.url, server.adminKey);
    const { data, sha } = randomContent(8 * 1024 * 1024);
    const chunks = Array.from({ length: 32 }, (_, i) => data.subarray(i * 262_144, (i + 1) * 262_144));
    let sent = 0;
    let signalled = false;
    let refusedWhileDraining = false;
    const body = Readable.from(
      (async function* () {
        for (const chunk of chunks) {
          if (sent === 8 && !signalled) {
            signalled = true;
            // Wait until the server has the first bytes in its temp file, then ask it to stop.
            for (let i = 0; i < 100 && !blobFilesOnDisk(server.dataDir).some((f) => f.startsWith('.tmp/')); i++) await sleep(20);
            server.proc.kill('SIGTERM');
            // The upload is paused here, still in flight, while new connections are tried until one is refused.
            for (let i = 0; i < 60 && !refusedWhileDraining; i++) {
              await sleep(50);
              refusedWhileDraining = await fetch(`${server.url}/health`).then(
                () => false,
                () => true,
              );
            }
          }
          sent++;
          yield chunk;
          await sleep(10);
        }
      })(),
    );
    const exit = new Promise<number | null>((resolve) => server.proc.once('exit', (code) => resolve(code)));
    const res = await writer.put(`/api/v1/blobs/${sha}`, body, { headers: { 'content-length': String(data.length) } });
    expect(signalled).toBe(true);
    expect(refusedWhileDraining).toBe(true);
    expectStatus(res, 201);
    expect(res.json()).toEqual({ sha256: sha, size: data.length, created: true });
    expect(await exit).toBe(0);
    expect(blobFilesOnDisk(server.dataDir)).toEqual([`${sha.slice(0, 2)}/${sha}`]);
  });

  it('refuses new connections once SIGTERM arrived', async () => {
    const server = await startServer();
    const code = await server.stop();
    expect(code).toBe(0);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });
});

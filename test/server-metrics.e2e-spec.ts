import { spawn } from 'node:child_process';
import { metricSum } from './support/cli';
import { freePort, RunningServer, SERVER_MAIN, startServer, tempDir } from './support/server';
import { expectError, expectStatus, Http, randomContent, rawExchange } from './support/http';

/** Polls /metrics until `ready` holds for its text (it is read once more after), or 5 s passed. */
async function metricsWhen(read: () => Promise<string>, ready: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const text = await read();
    if (ready(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('server: metrics on the main port', () => {
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

  it('names the default process metrics as prom-client does (process_*, nodejs_*), without the hoard_ prefix', async () => {
    const res = await anon.get('/metrics');
    expectStatus(res, 200);
    expect(res.text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(res.text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(res.text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(res.text).not.toMatch(/^hoard_(process|nodejs)_/m);
  });

  it('counts an upload its client cut off as aborted, not invalid_request', async () => {
    const scrape = async () => (await anon.get('/metrics')).text;
    const before = await scrape();
    const { data, sha } = randomContent(1 << 20);
    const head =
      `PUT /api/v1/blobs/${sha} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${server.adminKey}\r\n` +
      `Content-Type: application/octet-stream\r\nContent-Length: ${data.length}\r\n\r\n`;
    await rawExchange(server.port, [head, data.subarray(0, 300_000)], { hangUp: true });
    const aborted = (text: string) => metricSum(text, 'hoard_blob_uploads_total', { result: 'aborted' });
    const after = await metricsWhen(scrape, (text) => aborted(text) > aborted(before));
    expect(aborted(after)).toBe(aborted(before) + 1);
    const invalid = (text: string) => metricSum(text, 'hoard_blob_uploads_total', { result: 'invalid_request' });
    expect(invalid(after)).toBe(invalid(before));
    expect((await admin.get(`/api/v1/blobs/${sha}`)).status).toBe(404);
  });
});

describe('server: metrics behind HOARD_METRICS_KEY', () => {
  const key = 'scrape-key-0123456789abcdef';
  let server: RunningServer;
  let anon: Http;

  beforeAll(async () => {
    server = await startServer({ env: { HOARD_METRICS_KEY: key } });
    anon = new Http(server.url);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('answers only the metrics key sent as a bearer token; an API key or no key is 401 with a challenge', async () => {
    const none = await anon.get('/metrics');
    expectError(none, 401, 'unauthorized');
    expect(none.header('www-authenticate')).toBe('Bearer realm="metrics"');
    expectError(await anon.get('/metrics', { headers: { authorization: 'Bearer scrape-key-0123456789abcdeX' } }), 401, 'unauthorized');
    expectError(await anon.get('/metrics', { headers: { 'x-api-key': key } }), 401, 'unauthorized');
    expectError(
      await anon.as(server.adminKey).get('/metrics', { headers: { authorization: `Bearer ${server.adminKey}` } }),
      401,
      'unauthorized',
    );
    const ok = await anon.get('/metrics', { headers: { authorization: `Bearer ${key}` } });
    expectStatus(ok, 200);
    expect(ok.text).toContain('# TYPE hoard_http_requests_total counter');
    expect(server.output()).not.toContain(key);
  });
});

describe('server: metrics on HOARD_METRICS_PORT', () => {
  const key = 'scrape-key-0123456789abcdef';
  let server: RunningServer;
  let metricsUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    server = await startServer({ env: { HOARD_METRICS_PORT: String(port), HOARD_METRICS_KEY: key } });
    metricsUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('serves /metrics there only: 404 on the main port, the key still needed', async () => {
    expectError(await new Http(server.url).get('/metrics', { headers: { authorization: `Bearer ${key}` } }), 404, 'not_found');
    const refused = await fetch(`${metricsUrl}/metrics`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    const res = await fetch(`${metricsUrl}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toMatch(/^process_resident_memory_bytes \d/m);
  });

  it('answers nothing else on that port', async () => {
    const other = await fetch(`${metricsUrl}/api/v1/stats`, { headers: { 'x-api-key': server.adminKey } });
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const post = await fetch(`${metricsUrl}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses to start with the metrics port equal to PORT', async () => {
    const port = await freePort();
    const proc = spawn(process.execPath, [SERVER_MAIN], {
      env: { PATH: process.env.PATH, HOARD_DATA_DIR: tempDir(), HOST: '127.0.0.1', PORT: String(port), HOARD_METRICS_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    expect(await new Promise<number | null>((resolve) => proc.once('exit', resolve))).toBe(2);
    expect(out).toContain(`HOARD_METRICS_PORT (got "${port}"): must differ from PORT`);
  });
});

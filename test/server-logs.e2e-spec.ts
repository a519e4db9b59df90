import Database from 'better-sqlite3';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LOOSE_BLOBS, RunningServer, startServer } from './support/server';
import { blobPath, expectError, expectStatus, Http, randomContent } from './support/http';

/** Every JSON line the server wrote so far. */
function lines(server: RunningServer): Array<Record<string, any>> {
  return server
    .output()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/** The lines of one request, once its `request` line was written (polled: it is written when the answer is done). */
async function linesOf(server: RunningServer, requestId: string): Promise<Array<Record<string, any>>> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const mine = lines(server).filter((l) => l.request_id === requestId);
    if (mine.some((l) => l.msg === 'request') || Date.now() > deadline) return mine;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const requestLine = (ls: Array<Record<string, any>>) => ls.find((l) => l.msg === 'request');

describe('server: one logger', () => {
  let server: RunningServer;
  let admin: Http;

  beforeAll(async () => {
    // No bootstrap key: the server mints the first admin key itself and says where it is.
    server = await startServer({
      env: { ...LOOSE_BLOBS, HOARD_LOG_LEVEL: 'info', HOARD_LOG_REQUEST_CONTEXT: '1', HOARD_BOOTSTRAP_ADMIN_KEY: undefined },
    });
    admin = new Http(server.url, readFileSync(join(server.dataDir, 'admin.key'), 'utf8').trim());
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('writes every line as one JSON shape, and no route mapping at info', async () => {
    expectStatus(await admin.get('/api/v1/keys/me', { headers: { 'x-request-id': 'shape-1' } }), 200);
    await linesOf(server, 'shape-1');
    const all = lines(server);
    expect(all.length).toBeGreaterThan(3);
    for (const line of all) {
      expect(Object.keys(line).slice(0, 4)).toEqual(['level', 'time', 'pid', 'hostname']);
      expect(['info', 'warn', 'error']).toContain(line.level);
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(typeof line.msg).toBe('string');
    }
    expect(all.find((l) => l.context === 'Stores')?.msg).toBe('metadata: sqlite, blobs: local');
    expect(all.filter((l) => /Mapped \{|RoutesResolver|dependencies initialized/.test(JSON.stringify(l)))).toEqual([]);
  });

  it("logs the first admin key's path once, after the line saying where the server listens", () => {
    const all = lines(server);
    const keyFile = join(server.dataDir, 'admin.key');
    const mentions = all.filter((l) => JSON.stringify(l).includes('admin.key'));
    expect(mentions).toHaveLength(1);
    expect(mentions[0]).toMatchObject({ level: 'info', admin_key_file: keyFile });
    expect(mentions[0].msg).toBe(`no API key existed: the first admin key is in ${keyFile} (mode 0600)`);
    const listening = all.findIndex((l) => /^hoard \S+ listening on http:\/\/127\.0\.0\.1:\d+/.test(l.msg));
    expect(listening).toBeGreaterThanOrEqual(0);
    expect(all.indexOf(mentions[0])).toBe(listening + 1);
  });

  it("accepts a client's X-Request-Id, sanitised and bounded, echoes it, and generates one when there is none", async () => {
    const given = await admin.get('/api/v1/keys/me', { headers: { 'x-request-id': 'trace 7f"3<b>' } });
    expect(given.header('x-request-id')).toBe('trace7f3b');
    expect(requestLine(await linesOf(server, 'trace7f3b'))).toMatchObject({ route: '/api/v1/keys/me', status: 200 });
    const long = await admin.get('/health', { headers: { 'x-request-id': 'r'.repeat(500) } });
    expect(long.header('x-request-id')).toBe('r'.repeat(128));
    const generated = await admin.get('/health');
    const id = generated.header('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(requestLine(await linesOf(server, id))).toMatchObject({ route: '/health', status: 200, level: 'info' });
  });

  it('logs each request once, at a level by its outcome, with the key id, route, bytes, duration and error code', async () => {
    const { id, key } = await admin.mintKey(['write'], 'logged');
    const writer = admin.as(key);
    const { data, sha } = randomContent(4321);
    expectStatus(await writer.put(`/api/v1/blobs/${sha}`, data, { headers: { 'x-request-id': 'put-1' } }), 201);
    expectError(
      await writer.put(`/api/v1/blobs/${sha}`, Buffer.from('other'), { headers: { 'x-request-id': 'put-2' } }),
      422,
      'digest_mismatch',
    );
    expectError(await admin.as(undefined).get('/api/v1/stats', { headers: { 'x-request-id': 'nokey-1' } }), 401, 'unauthorized');

    const put = await linesOf(server, 'put-1');
    expect(put).toHaveLength(1);
    expect(put[0]).toEqual({
      level: 'info',
      time: expect.any(String),
      pid: server.proc.pid,
      hostname: expect.any(String),
      request_id: 'put-1',
      method: 'PUT',
      route: '/api/v1/blobs/:sha256',
      status: 201,
      key_id: id,
      bytes_in: 4321,
      bytes_out: expect.any(Number),
      completed: true,
      duration_ms: expect.any(Number),
      msg: 'request',
    });
    expect(put[0].bytes_out).toBeGreaterThan(0);
    expect(requestLine(await linesOf(server, 'put-2'))).toMatchObject({
      level: 'warn',
      status: 422,
      error_code: 'digest_mismatch',
      key_id: id,
    });
    expect(requestLine(await linesOf(server, 'nokey-1'))).toMatchObject({
      level: 'warn',
      status: 401,
      error_code: 'unauthorized',
      key_id: null,
    });
    expect(server.output()).not.toContain(key);
  });

  it('never logs a key, whichever header carries it', async () => {
    const bearer = await admin.get('/api/v1/keys/me', {
      key: '',
      headers: { authorization: `Bearer ${admin.key}`, 'x-request-id': 'bearer-1' },
    });
    expectStatus(bearer, 200);
    const wrong = 'hk_not_a_key_but_still_secret_0123456789';
    expectError(await admin.get('/api/v1/keys/me', { key: wrong, headers: { 'x-request-id': 'wrong-1' } }), 401, 'unauthorized');
    await linesOf(server, 'bearer-1');
    await linesOf(server, 'wrong-1');
    expect(server.output()).not.toContain(admin.key!);
    expect(server.output()).not.toContain(wrong);
  });

  it('puts the request id on what a service logs while handling the request (HOARD_LOG_REQUEST_CONTEXT)', async () => {
    const { data, sha } = randomContent(2048);
    await admin.upload(data);
    const path = blobPath(server.dataDir, sha);
    chmodSync(path, 0o600);
    rmSync(path);
    expect((await admin.head(`/api/v1/blobs/${sha}`, { headers: { 'x-request-id': 'lost-1' } })).status).toBe(404);
    const mine = await linesOf(server, 'lost-1');
    expect(mine.map((l) => [l.level, l.context ?? null, l.msg.slice(0, 40)])).toEqual([
      ['error', 'Quarantine', `content ${sha.slice(0, 32)}`],
      ['warn', null, 'request'],
    ]);
    expect(mine[0].msg).toContain('the stored copy is missing');
  });

  it("answers an unexpected failure 500 and logs its stack trace once, on the request's id, at error", async () => {
    const db = new Database(join(server.dataDir, 'hoard.db'));
    try {
      db.exec('ALTER TABLE blobs RENAME TO blobs_aside');
      const res = await admin.post('/api/v1/blobs/missing', { sha256: [randomContent(8).sha] }, { headers: { 'x-request-id': 'boom-1' } });
      expectError(res, 500, 'internal_error', [server.dataDir]);
      expect(res.header('x-request-id')).toBe('boom-1');
    } finally {
      db.exec('ALTER TABLE blobs_aside RENAME TO blobs');
      db.close();
    }
    const mine = await linesOf(server, 'boom-1');
    expect(mine.map((l) => [l.level, l.msg])).toEqual([
      ['error', 'internal error'],
      ['error', 'request'],
    ]);
    expect(mine[0].context).toBe('Errors');
    expect(mine[0].err.message).toMatch(/no such table: blobs/);
    expect(mine[0].err.stack).toMatch(/\n\s+at /);
    expect(mine[1]).toMatchObject({ status: 500, error_code: 'internal_error', route: '/api/v1/blobs/missing' });
    expect(lines(server).filter((l) => JSON.stringify(l).includes('no such table'))).toHaveLength(1);
  });
});

describe('server: HOARD_LOG_LEVEL', () => {
  it('at warn, writes the failed requests and nothing of the ones that succeeded', async () => {
    const server = await startServer({ env: { HOARD_LOG_LEVEL: 'warn' } });
    try {
      const anon = new Http(server.url);
      expectStatus(await anon.get('/health', { headers: { 'x-request-id': 'ok-1' } }), 200);
      expectError(await anon.get('/api/v1/stats', { headers: { 'x-request-id': 'refused-1' } }), 401, 'unauthorized');
      expect(requestLine(await linesOf(server, 'refused-1'))).toMatchObject({ level: 'warn', status: 401 });
      expect(lines(server).filter((l) => l.level === 'info')).toEqual([]);
      expect(lines(server).filter((l) => l.request_id === 'ok-1')).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});

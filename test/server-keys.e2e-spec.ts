import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RunningServer, SERVER_MAIN, startServer, tempDir } from './support/server';
import { expectError, expectStatus, fileMeta, Http, randomContent, sha256 } from './support/http';

const KEY_INFO_FIELDS = ['buckets', 'created_at', 'expires_at', 'hostnames', 'id', 'last_used_at', 'name', 'revoked_at', 'scopes'];

describe('server: API keys and scopes', () => {
  let server: RunningServer;
  let admin: Http;

  beforeAll(async () => {
    server = await startServer();
    admin = new Http(server.url, server.adminKey);
  });

  afterAll(async () => {
    await server?.stop();
  });

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('lets the bootstrap admin key in, by X-API-Key or Authorization: Bearer', async () => {
    const me = await admin.get('/api/v1/keys/me');
    expectStatus(me, 200);
    expect(me.json()).toEqual({ id: expect.any(String), name: 'bootstrap-admin', scopes: ['admin'], hostnames: [], buckets: [] });
    const bearer = await admin.as(undefined).get('/api/v1/keys/me', { headers: { authorization: `Bearer ${server.adminKey}` } });
    expectStatus(bearer, 200);
    expect(bearer.json().id).toBe(me.json().id);
  });

  it('answers 401 unauthorized without a key, with an unknown key or a malformed Authorization header', async () => {
    const anon = admin.as(undefined);
    expectError(await anon.get('/api/v1/keys/me'), 401, 'unauthorized');
    expectError(await anon.get('/api/v1/keys/me', { headers: { 'x-api-key': `${server.adminKey}x` } }), 401, 'unauthorized');
    expectError(await anon.get('/api/v1/keys/me', { headers: { authorization: `Basic ${server.adminKey}` } }), 401, 'unauthorized');
    expectError(await anon.get('/api/v1/keys/me', { headers: { authorization: 'Bearer' } }), 401, 'unauthorized');
  });

  it('mints a key shown once, with 256 bits of randomness, and GET /keys/me names it', async () => {
    const res = await admin.post('/api/v1/keys', { name: 'ci', scopes: ['read', 'write'] });
    expectStatus(res, 201);
    const created = res.json();
    expect(Object.keys(created).sort()).toEqual(['buckets', 'created_at', 'expires_at', 'hostnames', 'id', 'key', 'name', 'scopes']);
    expect(created).toMatchObject({ name: 'ci', scopes: ['read', 'write'], expires_at: null });
    expect(created.key).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    const me = await admin.as(created.key).get('/api/v1/keys/me');
    expect(me.json()).toEqual({ id: created.id, name: 'ci', scopes: ['read', 'write'], hostnames: [], buckets: [] });
  });

  it('lists every key without its secret or hash', async () => {
    const created = (await admin.post('/api/v1/keys', { name: 'listed', scopes: ['read'] })).json();
    const res = await admin.get('/api/v1/keys');
    expectStatus(res, 200);
    const keys = res.json();
    expect(Array.isArray(keys)).toBe(true);
    for (const key of keys) expect(Object.keys(key).sort()).toEqual(KEY_INFO_FIELDS);
    expect(keys.find((k: any) => k.id === created.id)).toMatchObject({ name: 'listed', scopes: ['read'], revoked_at: null });
    for (const secret of [created.key, server.adminKey]) {
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toContain(sha256(secret));
    }
  });

  it('records last_used_at when a key is used, at most once a minute', async () => {
    const { id, key } = await admin.mintKey(['read'], 'used-later');
    const find = async () => (await admin.get('/api/v1/keys')).json().find((k: any) => k.id === id);
    expect((await find()).last_used_at).toBeNull();
    const usedFrom = Date.now();
    expectStatus(await admin.as(key).get('/api/v1/keys/me'), 200);
    // The write is not awaited by the request: give it a moment.
    let first: string | null = null;
    for (let i = 0; i < 60 && first === null; i++) {
      await sleep(50);
      first = (await find()).last_used_at;
    }
    expect(Date.parse(first!)).toBeGreaterThanOrEqual(usedFrom - 1000);
    expect(Date.parse(first!)).toBeLessThanOrEqual(Date.now());
    expectStatus(await admin.as(key).get('/api/v1/keys/me'), 200);
    await sleep(200);
    expect((await find()).last_used_at).toBe(first);
  });

  describe('scopes', () => {
    let read: Http;
    let write: Http;
    const content = randomContent(64);

    beforeAll(async () => {
      read = admin.as((await admin.mintKey(['read'])).key);
      write = admin.as((await admin.mintKey(['write'])).key);
    });

    it('a read key reads but cannot upload, record or mint keys', async () => {
      expectStatus(await read.post('/api/v1/blobs/missing', { sha256: [content.sha] }), 200);
      expectStatus(await read.get('/api/v1/files'), 200);
      expectStatus(await read.get('/api/v1/stats'), 200);
      expectError(await read.put(`/api/v1/blobs/${content.sha}`, content.data), 403, 'forbidden');
      expectError(await read.post('/api/v1/files', fileMeta()), 403, 'forbidden');
      expectError(await read.post('/api/v1/keys', { name: 'x', scopes: ['read'] }), 403, 'forbidden');
      expect((await read.post('/api/v1/blobs/missing', { sha256: [content.sha] })).json().missing).toEqual([content.sha]);
    });

    it('a write key uploads and records but cannot mint or list keys, nor delete content or prefixes', async () => {
      expectStatus(await write.put(`/api/v1/blobs/${content.sha}`, content.data), 201);
      expectStatus(await write.post('/api/v1/files', fileMeta({ sha256: content.sha, size: 64 })), 201);
      const denied = expectError(await write.post('/api/v1/keys', { name: 'x', scopes: ['admin'] }), 403, 'forbidden');
      expect(denied.details).toEqual({ required_scope: 'admin', key_scopes: ['write'] });
      expectError(await write.get('/api/v1/keys'), 403, 'forbidden');
      expectError(await write.delete(`/api/v1/keys/${(await admin.mintKey(['read'])).id}`), 403, 'forbidden');
      expectError(await write.delete(`/api/v1/blobs/${content.sha}`), 403, 'forbidden');
      expectError(await write.delete('/api/v1/files', { query: { hostname: 'host-a', path_prefix: '/' } }), 403, 'forbidden');
      expectStatus(await write.get(`/api/v1/blobs/${content.sha}`), 200);
      const names = (await admin.get('/api/v1/keys')).json().map((k: any) => k.name);
      expect(names).not.toContain('x');
    });

    it('an admin key does everything', async () => {
      const other = randomContent(32);
      expectStatus(await admin.put(`/api/v1/blobs/${other.sha}`, other.data), 201);
      expectStatus(await admin.post('/api/v1/files', fileMeta({ hostname: 'h-admin' })), 201);
      expectStatus(await admin.delete(`/api/v1/blobs/${other.sha}`), 204);
      expectStatus(await admin.delete('/api/v1/files', { query: { hostname: 'h-admin', path_prefix: '/' } }), 200);
      expectStatus(await admin.get('/api/v1/keys'), 200);
    });
  });

  it('refuses a revoked key on the next request (401) and lists when it was revoked', async () => {
    const { id, key } = await admin.mintKey(['write'], 'to-revoke');
    const user = admin.as(key);
    expectStatus(await user.get('/api/v1/keys/me'), 200);
    const res = await admin.delete(`/api/v1/keys/${id}`);
    expectStatus(res, 204);
    expectError(await user.get('/api/v1/keys/me'), 401, 'unauthorized');
    expectError(await user.post('/api/v1/files', fileMeta()), 401, 'unauthorized');
    const listed = (await admin.get('/api/v1/keys')).json().find((k: any) => k.id === id);
    expect(typeof listed.revoked_at).toBe('string');
    expectError(await admin.delete('/api/v1/keys/key_does_not_exist'), 404, 'not_found');
  });

  it('refuses a key once its expires_at has passed (401)', async () => {
    const expiresAt = new Date(Date.now() + 2500).toISOString();
    const created = await admin.post('/api/v1/keys', { name: 'short-lived', scopes: ['read'], expires_at: expiresAt });
    expectStatus(created, 201);
    expect(created.json().expires_at).toBe(expiresAt);
    const user = admin.as(created.json().key);
    expectStatus(await user.get('/api/v1/keys/me'), 200);
    await sleep(Date.parse(expiresAt) - Date.now() + 300);
    const error = expectError(await user.get('/api/v1/keys/me'), 401, 'unauthorized');
    expect(error.message).toMatch(/expired/);
  });

  it('validates new keys: unknown scope, missing name, expiry in the past or not a time -> 400 validation_failed', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: 'x', scopes: ['root'] }, 'scopes.0'],
      [{ name: 'x', scopes: [] }, 'scopes'],
      [{ scopes: ['read'] }, 'name'],
      [{ name: 'x', scopes: ['read'], expires_at: new Date(Date.now() - 60_000).toISOString() }, 'expires_at'],
      [{ name: 'x', scopes: ['read'], expires_at: 'tomorrow' }, 'expires_at'],
      [{ name: 'x', scopes: ['read'], hostnames: [''] }, 'hostnames.0'],
      [{ name: 'x', scopes: ['read'], buckets: ['Bad Bucket'] }, 'buckets.0'],
      [{ name: 'x', scopes: ['read'], hostnames: Array.from({ length: 101 }, (_, i) => `h${i}`) }, 'hostnames'],
      [{ name: 'x', scopes: ['admin'], hostnames: ['lab-1'] }, 'hostnames,buckets'],
    ];
    const before = (await admin.get('/api/v1/keys')).json().length;
    for (const [body, field] of cases) {
      const error = expectError(await admin.post('/api/v1/keys', body), 400, 'validation_failed');
      expect(error.details.fields.map((f: any) => f.field).join()).toEqual(field);
    }
    expect((await admin.get('/api/v1/keys')).json().length).toBe(before);
  });
});

describe('server: first admin key without configuration', () => {
  it('writes <data>/admin.key with mode 0600, logs its path but never the key, and keeps it across restarts', async () => {
    const first = await startServer({ env: { HOARD_BOOTSTRAP_ADMIN_KEY: undefined, HOARD_LOG_LEVEL: 'info' } });
    const path = join(first.dataDir, 'admin.key');
    let secret: string;
    try {
      expect(statSync(path).mode & 0o777).toBe(0o600);
      secret = readFileSync(path, 'utf8').trim();
      expect(secret.length).toBeGreaterThanOrEqual(43);
      const me = await new Http(first.url, secret).get('/api/v1/keys/me');
      expectStatus(me, 200);
      expect(me.json().scopes).toEqual(['admin']);
      expect(first.output()).toContain(path);
      expect(first.output()).not.toContain(secret);
      expect(first.output()).not.toContain(sha256(secret));
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await startServer({ dataDir: first.dataDir, env: { HOARD_BOOTSTRAP_ADMIN_KEY: undefined } });
    try {
      expect(readFileSync(path, 'utf8').trim()).toBe(secret);
      const keys = await new Http(second.url, secret).get('/api/v1/keys');
      expect(keys.json()).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});

describe('server: offline key administration (npm run keys)', () => {
  const keysCli = (dataDir: string, ...args: string[]) =>
    spawnSync(process.execPath, [join(SERVER_MAIN, '..', 'keys-cli.js'), ...args], {
      env: { PATH: process.env.PATH, HOARD_DATA_DIR: dataDir },
      encoding: 'utf8',
    });

  it('creates, lists and revokes keys in the data dir of a stopped server', async () => {
    const dataDir = tempDir();
    const created = keysCli(dataDir, 'create', '--name', 'ops', '--scope', 'read', 'write');
    expect(created.status).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(created.stderr).not.toContain(secret);

    const listed = keysCli(dataDir, 'list', '--json');
    expect(listed.status).toBe(0);
    const keys = JSON.parse(listed.stdout);
    expect(keys).toHaveLength(1);
    expect(Object.keys(keys[0]).sort()).toEqual(KEY_INFO_FIELDS);
    expect(keys[0]).toMatchObject({ name: 'ops', scopes: ['read', 'write'], revoked_at: null });
    expect(listed.stdout).not.toContain(secret);

    let server = await startServer({ dataDir });
    try {
      const me = await new Http(server.url, secret).get('/api/v1/keys/me');
      expect(me.json()).toEqual({ id: keys[0].id, name: 'ops', scopes: ['read', 'write'], hostnames: [], buckets: [] });
    } finally {
      expect(await server.stop()).toBe(0);
    }

    const revoked = keysCli(dataDir, 'revoke', keys[0].id);
    expect(revoked.status).toBe(0);
    expect(keysCli(dataDir, 'revoke', 'key_unknown').status).toBe(1);
    const lab = keysCli(
      dataDir,
      'create',
      '--name',
      'lab',
      '--scope',
      'write',
      '--hostname',
      'lab-1',
      'lab-2',
      '--bucket',
      'res',
      '--json',
    );
    expect([lab.status, JSON.parse(lab.stdout)]).toEqual([0, expect.objectContaining({ hostnames: ['lab-1', 'lab-2'], buckets: ['res'] })]);
    const refused = keysCli(dataDir, 'create', '--name', 'adm', '--scope', 'admin', '--hostname', 'lab-1');
    expect([refused.status, refused.stderr]).toEqual([1, expect.stringContaining('an admin key cannot be limited to tenants')]);
    server = await startServer({ dataDir });
    try {
      expectError(await new Http(server.url, secret).get('/api/v1/keys/me'), 401, 'unauthorized');
    } finally {
      await server.stop();
    }
  });

  it('refuses an unknown scope with a usage error and creates nothing', () => {
    const dataDir = tempDir();
    const res = keysCli(dataDir, 'create', '--name', 'bad', '--scope', 'root');
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/'root' is invalid/);
    expect(JSON.parse(keysCli(dataDir, 'list', '--json').stdout)).toEqual([]);
  });
});

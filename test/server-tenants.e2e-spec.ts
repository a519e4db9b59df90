import { cliHome, runCli } from './support/cli';
import { blobFilesOnDisk, expectError, expectStatus, Http, HttpResult, randomContent } from './support/http';
import { LOOSE_BLOBS, RunningServer, startServer } from './support/server';

const TUS = { 'tus-resumable': '1.0.0' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const CLIENT = { name: 'e2e', version: '1.0.0' };

/**
 * Two tenants on one server: host lab-a with bucket bkt-a (a key limited to them), and host lab-b with bucket bkt-b
 * (written through the admin key). The limited key answers only about its own tenants on every route.
 */
describe.each([
  ['global', {}],
  ['tenant', { HOARD_DEDUP_SCOPE: 'tenant' }],
] as const)('server: a key limited to tenants (dedup scope %s)', (scopeName, scopeEnv) => {
  let server: RunningServer;
  let admin: Http;
  let limited: Http;
  let reader: Http;
  const theirs = randomContent(3000);
  const ownContent = randomContent(2000);
  let theirId: string;
  let theirRun: string;

  beforeAll(async () => {
    server = await startServer({ env: { ...LOOSE_BLOBS, ...scopeEnv } });
    admin = new Http(server.url, server.adminKey);
    const mint = async (scopes: string[]) =>
      (await admin.post('/api/v1/keys', { name: `lab-a ${scopes.join()}`, scopes, hostnames: ['lab-a'], buckets: ['bkt-a'] })).json().key;
    limited = admin.as(await mint(['write']));
    reader = admin.as(await mint(['read']));
    await admin.upload(theirs.data);
    theirId = (await admin.post('/api/v1/files', { hostname: 'lab-b', filepath: '/b/file', sha256: theirs.sha, size: 3000 })).json().id;
    expectStatus(await admin.put('/api/v1/objects/bkt-b/obj', theirs.data), 201);
    theirRun = (await admin.post('/api/v1/scans', { hostname: 'lab-b', roots: ['/b'], client: CLIENT })).json().id;
    // Its own host: a scan run and a file with content it uploaded.
    expectStatus(await limited.post('/api/v1/scans', { hostname: 'lab-a', roots: ['/a'], client: CLIENT }), 201);
    expectStatus(await limited.put(`/api/v1/blobs/${ownContent.sha}`, ownContent.data), 201);
    expectStatus(await limited.post('/api/v1/files', { hostname: 'lab-a', filepath: '/a/file', sha256: ownContent.sha, size: 2000 }), 201);
  });

  afterAll(async () => {
    await server?.stop();
  });

  const readsAbsent: Array<[string, () => Promise<HttpResult>]> = [
    ['GET a file record of lab-b', () => reader.get(`/api/v1/files/${theirId}`)],
    [
      'GET the history of a path on lab-b',
      () => reader.get('/api/v1/files/history', { query: { hostname: 'lab-b', filepath: '/b/file' } }),
    ],
    [
      'GET the content of a path on lab-b',
      () => reader.get('/api/v1/files/content', { query: { hostname: 'lab-b', filepath: '/b/file' } }),
    ],
    ['GET content by digest', () => reader.get(`/api/v1/blobs/${theirs.sha}`)],
    ['HEAD content by digest', () => reader.head(`/api/v1/blobs/${theirs.sha}`)],
    ['GET the clones of content', () => reader.get(`/api/v1/blobs/${theirs.sha}/files`)],
    ["GET PutPlace's record of content", () => reader.get(`/get_file/${theirs.sha}`)],
    ['GET a scan run of lab-b', () => reader.get(`/api/v1/scans/${theirRun}`)],
    ['GET an object of bkt-b', () => reader.get('/api/v1/objects/bkt-b/obj')],
    ['HEAD an object of bkt-b', () => reader.head('/api/v1/objects/bkt-b/obj')],
    ['DELETE a file record of lab-b', () => limited.delete(`/api/v1/files/${theirId}`)],
  ];

  it.each(readsAbsent)('answers 404 as if absent: %s', async (_what, call) => {
    const res = await call();
    expect(res.status).toBe(404);
    if (res.text) expect(res.json().error.code).toBe('not_found');
  });

  const writesRefused: Array<[string, () => Promise<HttpResult>]> = [
    ['record a file on lab-b', () => limited.post('/api/v1/files', { hostname: 'lab-b', filepath: '/x', sha256: theirs.sha, size: 3000 })],
    [
      'record a batch naming lab-b',
      () =>
        limited.post('/api/v1/files/batch', {
          files: [
            { hostname: 'lab-a', filepath: '/ok', sha256: ownContent.sha, size: 2000 },
            { hostname: 'lab-b', filepath: '/x', sha256: ownContent.sha, size: 2000 },
          ],
        }),
    ],
    ['confirm files on lab-b', () => limited.post('/api/v1/files/seen', { hostname: 'lab-b', ids: [theirId] })],
    ['mark paths of lab-b deleted', () => limited.post('/api/v1/files/deleted', { hostname: 'lab-b', filepaths: ['/b/file'] })],
    ['open a scan run of lab-b', () => limited.post('/api/v1/scans', { hostname: 'lab-b', roots: ['/'], client: CLIENT })],
    [
      "PutPlace's put_file on lab-b",
      () => limited.post('/put_file', { hostname: 'lab-b', filepath: '/x', sha256: theirs.sha, size: 3000 }),
    ],
    ['PUT an object in bkt-b', () => limited.put('/api/v1/objects/bkt-b/new', Buffer.from('x'))],
    ['DELETE an object of bkt-b', () => limited.delete('/api/v1/objects/bkt-b/obj')],
    [
      'create a resumable upload into bkt-b',
      () =>
        limited.call('POST', '/api/v1/uploads', {
          headers: { ...TUS, 'upload-length': '1', 'upload-metadata': `bucket ${b64('bkt-b')},key ${b64('k')}` },
        }),
    ],
  ];

  it.each(writesRefused)('refuses with 403 and changes nothing: %s', async (_what, call) => {
    const error = expectError(await call(), 403, 'forbidden');
    expect(error.message).toMatch(/^This key is limited to its tenants, and (host "lab-b"|bucket "bkt-b") is not one of them$/);
    expect((await admin.get('/api/v1/files', { query: { hostname: 'lab-b' } })).json().items.map((r: { id: string }) => r.id)).toEqual([
      theirId,
    ]);
    expectStatus(await admin.head('/api/v1/objects/bkt-b/obj'), 200);
  });

  it('lists only its own tenants: files, hosts, scan runs, objects, stats', async () => {
    const files = (await reader.get('/api/v1/files')).json();
    expect(files.items.map((r: { hostname: string; filepath: string }) => `${r.hostname}:${r.filepath}`)).toEqual(['lab-a:/a/file']);
    expect((await reader.get('/api/v1/files', { query: { hostname: 'lab-b' } })).json().items).toEqual([]);
    expect((await reader.get('/api/v1/hosts')).json().items.map((h: { hostname: string }) => h.hostname)).toEqual(['lab-a']);
    expect((await reader.get('/api/v1/scans')).json().items.map((r: { hostname: string }) => r.hostname)).toEqual(['lab-a']);
    expect((await reader.get('/api/v1/scans', { query: { hostname: 'lab-b' } })).json().items).toEqual([]);
    expect((await reader.get('/api/v1/objects/bkt-b')).json()).toEqual({ items: [], next_cursor: null });
    expect((await reader.get('/api/v1/stats')).json()).toEqual({
      files: 1,
      hosts: 1,
      objects: 0,
      blobs: 1,
      stored_bytes: 2000,
      logical_bytes: 2000,
      dedup_ratio: 1,
      unreferenced_blobs: 0,
      unreferenced_bytes: 0,
      quarantined_blobs: 0,
    });
    const all = (await admin.get('/api/v1/stats')).json();
    expect([all.files, all.hosts, all.objects]).toEqual([2, 2, 1]);
  });

  it('reads its own content and may not mint keys', async () => {
    const own = await reader.get(`/api/v1/blobs/${ownContent.sha}`);
    expectStatus(own, 200);
    expect(own.body.equals(ownContent.data)).toBe(true);
    expectError(await limited.post('/api/v1/keys', { name: 'x', scopes: ['read'] }), 403, 'forbidden');
  });

  if (scopeName === 'global') {
    it('reveals content stored elsewhere (the global scope), and reads it once its tenants record it', async () => {
      const content = randomContent(1500);
      await admin.upload(content.data);
      await admin.post('/api/v1/files', { hostname: 'lab-b', filepath: '/b/g', sha256: content.sha, size: 1500 });
      expect((await limited.post('/api/v1/blobs/missing', { sha256: [content.sha] })).json()).toEqual({ missing: [] });
      expectStatus(await reader.head(`/api/v1/blobs/${content.sha}`), 404);
      const recorded = await limited.post('/api/v1/files', { hostname: 'lab-a', filepath: '/a/g', sha256: content.sha, size: 1500 });
      expect(recorded.json()).toMatchObject({ upload_required: false, content_available: true });
      expectStatus(await reader.head(`/api/v1/blobs/${content.sha}`), 200);
      expect((await reader.get(`/api/v1/blobs/${content.sha}`)).body.equals(content.data)).toBe(true);
    });
  } else {
    it('hides content stored only under lab-b on every route until a verified upload, which stores no second copy', async () => {
      const content = randomContent(1500);
      await admin.upload(content.data);
      await admin.post('/api/v1/files', { hostname: 'lab-b', filepath: '/b/t', sha256: content.sha, size: 1500 });
      const copies = () => blobFilesOnDisk(server.dataDir).filter((p) => p.endsWith(content.sha));
      expect(copies()).toHaveLength(1);

      expect((await limited.post('/api/v1/blobs/missing', { sha256: [content.sha] })).json()).toEqual({ missing: [content.sha] });
      expectStatus(await reader.head(`/api/v1/blobs/${content.sha}`), 404);
      const recorded = await limited.post('/api/v1/files', { hostname: 'lab-a', filepath: '/a/t', sha256: content.sha, size: 1500 });
      expect(recorded.json()).toMatchObject({
        upload_required: true,
        content_available: false,
        upload_url: `/api/v1/blobs/${content.sha}`,
      });
      const batch = await limited.post('/api/v1/files/batch', {
        files: [{ hostname: 'lab-a', filepath: '/a/t', sha256: content.sha, size: 1500 }],
      });
      expect(batch.json().results[0]).toMatchObject({ upload_required: true, content_available: false });
      const legacy = await limited.post('/put_file', { hostname: 'lab-a', filepath: '/a/t2', sha256: content.sha, size: 1500 });
      expect(legacy.json()).toMatchObject({ upload_required: true, upload_url: `/upload_file/${content.sha}` });
      // Recorded without its bytes, it still reads as absent.
      expectStatus(await reader.get(`/api/v1/blobs/${content.sha}`), 404);
      expectStatus(await reader.get('/api/v1/files/content', { query: { hostname: 'lab-a', filepath: '/a/t' } }), 404);
      // A resumable upload of it may begin as for new content.
      const tus = await limited.call('POST', '/api/v1/uploads', {
        headers: { ...TUS, 'upload-length': '1500', 'upload-metadata': `sha256 ${b64(content.sha)}` },
      });
      expectStatus(tus, 201);

      // A wrong body proves nothing.
      expectError(await limited.put(`/api/v1/blobs/${content.sha}`, Buffer.alloc(1500)), 422, 'digest_mismatch');
      const put = await limited.put(`/api/v1/blobs/${content.sha}`, content.data);
      expectStatus(put, 201);
      expect(put.json()).toEqual({ sha256: content.sha, size: 1500, created: true });
      expect(copies()).toHaveLength(1);

      expect((await limited.post('/api/v1/blobs/missing', { sha256: [content.sha] })).json()).toEqual({ missing: [] });
      expectStatus(await reader.head(`/api/v1/blobs/${content.sha}`), 200);
      expect((await reader.get(`/api/v1/blobs/${content.sha}`)).body.equals(content.data)).toBe(true);
      const again = await limited.post('/api/v1/files', { hostname: 'lab-a', filepath: '/a/t3', sha256: content.sha, size: 1500 });
      expect(again.json()).toMatchObject({ upload_required: false, content_available: true });
      // The admin key, not limited, was never hidden anything.
      expect((await admin.post('/api/v1/blobs/missing', { sha256: [content.sha] })).json()).toEqual({ missing: [] });
    });
  }
});

describe('cli: keys limited to tenants', () => {
  let server: RunningServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startServer();
    env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey };
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('creates a key limited to repeated --hostname and --bucket, lists its tenants, logs in with it and works there only', async () => {
    const created = await runCli(
      ['keys', 'create', '--name', 'lab', '--scope', 'write', '--hostname', 'lab-a', '--hostname=lab-c', '--bucket', 'bkt-a', '--json'],
      env,
    );
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key).toMatchObject({ name: 'lab', scopes: ['write'], hostnames: ['lab-a', 'lab-c'], buckets: ['bkt-a'] });

    const listed = await runCli(['keys', 'ls'], env);
    expect(listed.stdout).toMatch(/lab\s+write\s+host:lab-a,host:lab-c,bucket:bkt-a\s/);
    expect(listed.stdout).toMatch(/bootstrap-admin\s+admin\s+all tenants\s/);

    const admin = await runCli(['keys', 'create', '--name', 'x', '--scope', 'admin', '--hostname', 'lab-a'], env);
    expect([admin.code, admin.stderr.trim()]).toEqual([
      2,
      'hoard: an admin key cannot be limited to tenants: give it no hostnames or buckets, or give the limited key read or write',
    ]);

    const lab = { ...env, HOARD_API_KEY: undefined, HOARD_HOSTNAME: 'lab-a' };
    const login = await runCli(['login', '--api-key-file', '-'], lab, false, { input: `${key.key}\n` });
    expect(login.code).toBe(0);
    expect(login.stderr).toContain('as "lab" (write, limited to host lab-a, host lab-c, bucket bkt-a)');
    const stats = await runCli(['stats', '--json'], lab);
    expect([stats.code, JSON.parse(stats.stdout)]).toEqual([0, expect.objectContaining({ files: 0, hosts: 0 })]);
    const elsewhere = await runCli(['objects', 'ls', 'bkt-b'], lab);
    expect(elsewhere.code).toBe(0);
    const put = await runCli(['put', 'bkt-b/k', '-'], lab, false, { input: 'x' });
    expect(put.code).not.toBe(0);
    expect(put.stderr).toContain(
      'the API key may not write there: this key is limited to its tenants, and bucket "bkt-b" is not one of them',
    );
  });
});

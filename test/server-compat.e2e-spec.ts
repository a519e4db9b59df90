import { FormData } from 'undici';
import type { RunningServer } from './support/server';
import { blobFilesOnDisk, expectError, expectStatus, Http, randomContent, sha256, useServerWithKeys } from './support/http';

/** A multipart/form-data body built by hand: one file part in `field`. */
function multipart(field: string, content: Buffer, boundary = '----hoard-test-boundary-7f3a'): { body: Buffer; type: string } {
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="blob.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head), content, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

describe('server: routes of the PutPlace document', () => {
  let server: RunningServer;
  let admin: Http;
  let writer: Http;
  let reader: Http;
  useServerWithKeys((s) => ({ server, admin, writer, reader } = s));

  const missing = async (sha: string) => (await reader.post('/api/v1/blobs/missing', { sha256: [sha] })).json().missing;

  describe('POST /put_file', () => {
    it("records a file given that document's field names, with upload_url /upload_file/<sha256>", async () => {
      const { sha } = randomContent(10);
      const body = {
        filepath: '/var/log/app.log',
        hostname: 'legacy-host',
        ip_address: '192.168.1.20',
        sha256: sha,
        file_size: 2048,
        file_mode: 0o100644,
        file_uid: 1000,
        file_gid: 1001,
        file_mtime: 1700000000.5,
        file_atime: 1700000100,
        file_ctime: 1700000200.25,
      };
      const res = await writer.post('/put_file', body);
      expectStatus(res, 201);
      const rec = res.json();
      expect(rec).toMatchObject({
        filepath: '/var/log/app.log',
        hostname: 'legacy-host',
        ip_address: '192.168.1.20',
        sha256: sha,
        size: 2048,
        mode: 0o100644,
        uid: 1000,
        gid: 1001,
        mtime: 1700000000.5,
        atime: 1700000100,
        ctime: 1700000200.25,
        version: 1,
        upload_required: true,
        upload_url: `/upload_file/${sha}`,
      });
      // PutPlace's names for the same fields, as its clients read them.
      expect(rec).toMatchObject({
        _id: rec.id,
        file_size: 2048,
        file_mode: 0o100644,
        file_uid: 1000,
        file_gid: 1001,
        file_mtime: 1700000000.5,
        file_atime: 1700000100,
        file_ctime: 1700000200.25,
        is_symlink: false,
        has_file_content: false,
      });
      const again = await writer.post('/put_file', body);
      expectStatus(again, 200);
      expect(again.json()).toMatchObject({ id: rec.id, version: 1 });
      const listed = (await reader.get('/api/v1/files', { query: { hostname: 'legacy-host' } })).json().items;
      expect(listed.map((i: any) => [i.id, i.size, i.mode])).toEqual([[rec.id, 2048, 0o100644]]);
    });

    it('accepts the API field names too, and validates like POST /api/v1/files', async () => {
      const { sha } = randomContent(10);
      const res = await writer.post('/put_file', { filepath: '/x', hostname: 'legacy-host2', sha256: sha, size: 10 });
      expectStatus(res, 201);
      const invalid = expectError(
        await writer.post('/put_file', { filepath: '/y', hostname: 'legacy-host2', sha256: sha, file_size: -5 }),
        400,
        'validation_failed',
      );
      expect(invalid.details.fields.map((f: any) => f.field)).toEqual(['size']);
      expectError(
        await writer.post('/put_file', { filepath: '/y', hostname: 'legacy-host2', sha256: 'abc', file_size: 5 }),
        400,
        'invalid_digest',
      );
      const notObject = expectError(await writer.post('/put_file', ['not', 'an', 'object']), 400, 'validation_failed');
      const asApi = expectError(await writer.post('/api/v1/files', ['not', 'an', 'object']), 400, 'validation_failed');
      expect(notObject.details).toEqual(asApi.details);
      expectError(await reader.post('/put_file', { filepath: '/z', hostname: 'legacy-host2', sha256: sha, size: 1 }), 403, 'forbidden');
      expectError(
        await reader.as(undefined).post('/put_file', { filepath: '/z', hostname: 'legacy-host2', sha256: sha, size: 1 }),
        401,
        'unauthorized',
      );
      const listed = (await reader.get('/api/v1/files', { query: { hostname: 'legacy-host2', include_deleted: true } })).json().items;
      expect(listed.map((i: any) => i.filepath)).toEqual(['/x']);
    });
  });

  describe('POST /upload_file/{sha256}', () => {
    it('stores the content of multipart field "file" (201), then answers 200 created:false', async () => {
      const { data, sha } = randomContent(200_000);
      const form = new FormData();
      form.append('file', new Blob([data], { type: 'application/octet-stream' }), 'content.bin');
      const res = await writer.call('POST', `/upload_file/${sha}`, { body: form });
      expectStatus(res, 201);
      expect(res.json()).toEqual({ sha256: sha, size: 200_000, created: true });
      const got = await reader.get(`/api/v1/blobs/${sha}`);
      expect(got.body.equals(data)).toBe(true);
      const { body, type } = multipart('file', data);
      const again = await writer.call('POST', `/upload_file/${sha}`, { body, headers: { 'content-type': type } });
      expectStatus(again, 200);
      expect(again.json()).toEqual({ sha256: sha, size: 200_000, created: false });
    });

    it('takes the file part among other form fields', async () => {
      const { data, sha } = randomContent(70_000);
      const form = new FormData();
      form.append('hostname', 'legacy-host');
      form.append('file', new Blob([data]), 'content.bin');
      form.append('note', 'after the file');
      const res = await writer.call('POST', `/upload_file/${sha}`, { body: form });
      expectStatus(res, 201);
      expect(res.json()).toEqual({ sha256: sha, size: 70_000, created: true });
      expect((await reader.get(`/api/v1/blobs/${sha}`)).body.equals(data)).toBe(true);
    });

    it('accepts a raw application/octet-stream body', async () => {
      const { data, sha } = randomContent(5000);
      const res = await writer.call('POST', `/upload_file/${sha}`, { body: data, headers: { 'content-type': 'application/octet-stream' } });
      expectStatus(res, 201);
      expect(res.json()).toEqual({ sha256: sha, size: 5000, created: true });
      expect(await missing(sha)).toEqual([]);
    });

    it('answers 422 digest_mismatch for bytes of other content and stores nothing', async () => {
      const { sha } = randomContent(100);
      const wrong = randomContent(100).data;
      const { body, type } = multipart('file', wrong);
      const res = await writer.call('POST', `/upload_file/${sha}`, { body, headers: { 'content-type': type } });
      expectError(res, 422, 'digest_mismatch', [server.dataDir]);
      const raw = await writer.call('POST', `/upload_file/${sha}`, {
        body: wrong,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expectError(raw, 422, 'digest_mismatch');
      expect(await missing(sha)).toEqual([sha]);
      expect(blobFilesOnDisk(server.dataDir).filter((f) => f.includes(sha) || f.includes(sha256(wrong)) || f.startsWith('.tmp/'))).toEqual(
        [],
      );
    });

    it('needs the content in a field named "file" (400 validation_failed), a valid digest and the write scope', async () => {
      const { data, sha } = randomContent(100);
      const { body, type } = multipart('upload', data);
      const error = expectError(
        await writer.call('POST', `/upload_file/${sha}`, { body, headers: { 'content-type': type } }),
        400,
        'validation_failed',
      );
      expect(error.details.fields.map((f: any) => f.field)).toEqual(['file']);
      const ok = multipart('file', data);
      expectError(
        await writer.call('POST', '/upload_file/not-a-digest', { body: ok.body, headers: { 'content-type': ok.type } }),
        400,
        'invalid_digest',
      );
      expectError(
        await reader.call('POST', `/upload_file/${sha}`, { body: ok.body, headers: { 'content-type': ok.type } }),
        403,
        'forbidden',
      );
      expect(await missing(sha)).toEqual([sha]);
    });

    it.each([
      ['no boundary', 'multipart/form-data', '--b\r\n'],
      ['no part at all', 'multipart/form-data; boundary=b', 'not multipart at all'],
      ['a part cut in its headers', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="file"'],
    ])('answers a malformed multipart body (%s) with 400 invalid_request, storing nothing', async (_label, type, text) => {
      const before = blobFilesOnDisk(server.dataDir);
      const res = await writer.call('POST', `/upload_file/${sha256('x')}`, { body: Buffer.from(text), headers: { 'content-type': type } });
      expect(expectError(res, 400, 'invalid_request').message).toMatch(/multipart body is malformed/);
      expect(blobFilesOnDisk(server.dataDir)).toEqual(before);
    });
  });

  describe('GET /get_file/{sha256}', () => {
    it('answers the epoch record of the content, or 404', async () => {
      const { data, sha } = randomContent(77);
      const first = (await writer.post('/put_file', { filepath: '/first', hostname: 'epoch-b', sha256: sha, file_size: 77 })).json();
      await writer.post('/put_file', { filepath: '/second', hostname: 'epoch-a', sha256: sha, file_size: 77 });
      await writer.upload(data);
      const res = await reader.get(`/get_file/${sha.toUpperCase()}`);
      expectStatus(res, 200);
      expect(res.json()).toMatchObject({
        id: first.id,
        filepath: '/first',
        hostname: 'epoch-b',
        sha256: sha,
        size: 77,
        content_available: true,
      });
      expect(res.json()).toMatchObject({ _id: first.id, file_size: 77, file_mode: null, has_file_content: true, is_symlink: false });
      expect(res.json()).not.toHaveProperty('upload_url');
      expectError(await reader.get(`/get_file/${randomContent(8).sha}`), 404, 'not_found');
      expectError(await reader.get('/get_file/zz'), 400, 'invalid_digest');
    });
  });

  describe('api_keys', () => {
    it('mints, lists (without secrets), revokes and deletes keys as the keys routes do', async () => {
      const res = await admin.post('/api_keys', { name: 'legacy', scopes: ['read'] });
      expectStatus(res, 201);
      const created = res.json();
      expect(Object.keys(created).sort()).toEqual([
        '_id',
        'api_key',
        'buckets',
        'created_at',
        'expires_at',
        'hostnames',
        'id',
        'is_active',
        'key',
        'name',
        'scopes',
      ]);
      expect([created.api_key, created._id, created.is_active]).toEqual([created.key, created.id, true]);
      const user = admin.as(created.key);
      expectStatus(await user.get('/api/v1/keys/me'), 200);

      const list = await admin.get('/api_keys');
      expectStatus(list, 200);
      expect(list.json().find((k: any) => k.id === created.id)).toMatchObject({ name: 'legacy', scopes: ['read'], revoked_at: null });
      expect(list.text).not.toContain(created.key);
      expect(list.text).not.toContain(sha256(created.key));

      const revoke = await admin.call('PUT', `/api_keys/${created.id}/revoke`);
      expectStatus(revoke, 204);
      expectError(await user.get('/api/v1/keys/me'), 401, 'unauthorized');
      expect(typeof (await admin.get('/api_keys')).json().find((k: any) => k.id === created.id).revoked_at).toBe('string');

      const other = await admin.mintKey(['write'], 'legacy-delete');
      expectStatus(await admin.as(other.key).get('/api/v1/keys/me'), 200);
      expectStatus(await admin.delete(`/api_keys/${other.id}`), 204);
      expectError(await admin.as(other.key).get('/api/v1/keys/me'), 401, 'unauthorized');

      expectError(await admin.call('PUT', '/api_keys/key_missing/revoke'), 404, 'not_found');
      expectError(await admin.delete('/api_keys/key_missing'), 404, 'not_found');
    });

    it("mints a write key from PutPlace's {name, description}", async () => {
      const res = await admin.post('/api_keys', { name: 'web-server-02', description: 'API key for web server 02' });
      expectStatus(res, 201);
      const created = res.json();
      expect(created).toMatchObject({ name: 'web-server-02', scopes: ['write'], api_key: created.key, _id: created.id });
      expect((await admin.as(created.api_key).get('/api/v1/keys/me')).json()).toEqual({
        id: created.id,
        name: 'web-server-02',
        scopes: ['write'],
        hostnames: [],
        buckets: [],
      });
    });

    it('needs the admin scope and validates like POST /api/v1/keys', async () => {
      expectError(await writer.post('/api_keys', { name: 'nope', scopes: ['admin'] }), 403, 'forbidden');
      expectError(await writer.get('/api_keys'), 403, 'forbidden');
      expectError(await writer.call('PUT', `/api_keys/whatever/revoke`), 403, 'forbidden');
      expectError(await writer.delete('/api_keys/whatever'), 403, 'forbidden');
      expectError(await admin.as(undefined).get('/api_keys'), 401, 'unauthorized');
      const invalid = expectError(await admin.post('/api_keys', { name: 'bad', scopes: ['superuser'] }), 400, 'validation_failed');
      expect(invalid.details.fields.map((f: any) => f.field)).toEqual(['scopes.0']);
      const names = (await admin.get('/api_keys')).json().map((k: any) => k.name);
      expect(names).not.toContain('nope');
      expect(names).not.toContain('bad');
    });
  });
});

describe("server: PutPlace's login", () => {
  let server: RunningServer;
  let admin: Http;
  useServerWithKeys((s) => ({ server, admin } = s), { env: { HOARD_TOKEN_TTL_SECONDS: '120' } });

  /** A client with no key: the bearer token goes in its own header. */
  const bearer = (token: string) => ({ key: '', headers: { authorization: `Bearer ${token}` } });

  it('answers a Hoard key as the password with a bearer token, on /api/login and /api/v2/auth/login', async () => {
    const { id, key } = await admin.mintKey(['write'], 'putplace-client');
    const anon = admin.as(undefined);
    for (const path of ['/api/login', '/api/v2/auth/login']) {
      const res = await anon.post(path, { email: 'ops@example.com', password: key });
      expectStatus(res, 200);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
      expect(body.token_type).toBe('bearer');
      expect(body.expires_in).toBeGreaterThanOrEqual(119);
      expect(body.expires_in).toBeLessThanOrEqual(120);
      expect(body.access_token).not.toContain(key);
      const me = await anon.get('/api/v1/keys/me', bearer(body.access_token));
      expect(me.json()).toEqual({ id, name: 'putplace-client', scopes: ['write'], hostnames: [], buckets: [] });
      const { data, sha } = randomContent(321);
      expectStatus(await anon.put(`/api/v1/blobs/${sha}`, data, bearer(body.access_token)), 201);
      expectError(await anon.get('/api/v1/keys', bearer(body.access_token)), 403, 'forbidden');
    }
    expect(server.output()).not.toContain(key);
  });

  it('answers a wrong password, a revoked key or a token given as the password 401, and refuses the tokens of a revoked key', async () => {
    const anon = admin.as(undefined);
    expectError(await anon.post('/api/login', { email: 'ops@example.com', password: 'hk_wrong_wrong_wrong_wrong' }), 401, 'unauthorized');
    expectError(await anon.post('/api/login', { email: 'ops@example.com' }), 400, 'validation_failed');
    const { id, key } = await admin.mintKey(['read'], 'soon-revoked');
    const token = (await anon.post('/api/login', { email: 'x@y.z', password: key })).json().access_token;
    expectError(await anon.post('/api/login', { email: 'x@y.z', password: token }), 401, 'unauthorized');
    expectStatus(await anon.get('/api/v1/keys/me', bearer(token)), 200);
    expectStatus(await admin.delete(`/api/v1/keys/${id}`), 204);
    const refused = expectError(await anon.get('/api/v1/keys/me', bearer(token)), 401, 'unauthorized');
    expect(refused.message).toBe('This API key was revoked');
    expectError(await anon.post('/api/login', { email: 'x@y.z', password: key }), 401, 'unauthorized');
  });

  it('refuses a token whose signature or claims were changed', async () => {
    const { key } = await admin.mintKey(['read'], 'tampered');
    const token: string = (await admin.as(undefined).post('/api/login', { email: 'x@y.z', password: key })).json().access_token;
    const [head, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const later = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400 })).toString('base64url');
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    for (const forged of [`${head}.${later}.${signature}`, `${head}.${payload}.${flipped}`]) {
      const error = expectError(await admin.as(undefined).get('/api/v1/keys/me', bearer(forged)), 401, 'unauthorized');
      expect(error.message).toBe('Unknown API key or token');
    }
  });
});

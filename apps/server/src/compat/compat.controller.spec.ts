import { AppFixture, appFixture, multipartBody } from '../testing/app-fixture';
import { content } from '../testing/service-fixtures';

describe('CompatController and LoginController (in process)', () => {
  let f: AppFixture;
  let writer: string;
  beforeEach(async () => {
    f = await appFixture({ HOARD_MAX_BLOB_BYTES: '1000' });
    writer = await f.key('write');
  });
  afterEach(() => f.close());

  it("records a file under PutPlace's field names and asks for its content at the PutPlace upload route", async () => {
    const { sha } = content(12);
    const res = await f.request(
      {
        method: 'POST',
        url: '/put_file',
        payload: { hostname: 'h', filepath: '/a', sha256: sha.toUpperCase(), file_size: 12, file_mode: 420 },
      },
      writer,
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      sha256: sha,
      size: 12,
      file_size: 12,
      mode: 420,
      file_mode: 420,
      upload_required: true,
      upload_url: `/upload_file/${sha}`,
      has_file_content: false,
    });
  });

  it('takes an upload as multipart field "file" or as a raw body, verified as PUT, refusing one over the limit', async () => {
    const [a, b, big] = [content(10), content(11), content(1001)];
    const form = await f.request({ method: 'POST', url: `/upload_file/${a.sha}`, ...multipartBody([['file', a.bytes]]) }, writer);
    expect([form.statusCode, form.json()]).toEqual([201, { sha256: a.sha, size: 10, created: true }]);
    const raw = await f.request(
      { method: 'POST', url: `/upload_file/${b.sha}`, payload: b.bytes, headers: { 'content-type': 'application/octet-stream' } },
      writer,
    );
    expect([raw.statusCode, raw.json()]).toEqual([201, { sha256: b.sha, size: 11, created: true }]);
    const tooBig = await f.request({ method: 'POST', url: `/upload_file/${big.sha}`, ...multipartBody([['file', big.bytes]]) }, writer);
    expect([tooBig.statusCode, tooBig.json().error.code]).toEqual([413, 'payload_too_large']);
    const unnamed = await f.request({ method: 'POST', url: `/upload_file/${big.sha}`, ...multipartBody([['other', a.bytes]]) }, writer);
    expect([unnamed.statusCode, unnamed.json().error.details]).toEqual([
      400,
      { fields: [{ field: 'file', errors: ['file is required'] }] },
    ]);
    expect(await f.store.stat(big.sha)).toBeNull();
  });

  it('mints a write key by default with its secret also in api_key, refusing a past expiry, and logs in with it', async () => {
    const created = (await f.request({ method: 'POST', url: '/api_keys', payload: { name: 'pp' } })).json();
    expect(created).toMatchObject({ name: 'pp', scopes: ['write'], api_key: created.key, _id: created.id, is_active: true });
    const past = await f.request({ method: 'POST', url: '/api_keys', payload: { name: 'late', expires_at: '2001-01-01T00:00:00Z' } });
    expect([past.statusCode, past.json().error.details.fields[0].field]).toEqual([400, 'expires_at']);
    const login = await f.request({ method: 'POST', url: '/api/login', payload: { username: 'pp', password: created.key } }, null);
    expect([login.statusCode, login.json().token_type]).toEqual([200, 'bearer']);
    // Whole seconds to the token's expiry, itself in whole seconds: the hour, or a second less.
    expect([3599, 3600]).toContain(login.json().expires_in);
    const me = await f.request(
      { method: 'GET', url: '/api/v1/keys/me', headers: { authorization: `Bearer ${login.json().access_token}` } },
      null,
    );
    expect(me.json().id).toBe(created.id);
    expect((await f.request({ method: 'PUT', url: `/api_keys/${created.id}/revoke` })).statusCode).toBe(204);
    expect(
      (await f.request({ method: 'POST', url: '/api/login', payload: { username: 'pp', password: created.key } }, null)).statusCode,
    ).toBe(401);
  });
});

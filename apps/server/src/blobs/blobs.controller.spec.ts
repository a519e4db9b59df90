import { EMPTY_SHA256 } from '@app/contracts';
import { AppFixture, appFixture, multipartBody } from '../testing/app-fixture';
import { content } from '../testing/service-fixtures';

describe('BlobsController (in process)', () => {
  let f: AppFixture;
  let writer: string;
  let reader: string;
  beforeAll(async () => {
    f = await appFixture({ HOARD_MAX_BLOB_BYTES: '1000' });
    writer = await f.key('write');
    reader = await f.key('read');
  });
  afterAll(() => f.close());

  const put = (sha: string, bytes: Buffer, key = writer) =>
    f.request({ method: 'PUT', url: `/api/v1/blobs/${sha}`, payload: bytes, headers: { 'content-type': 'application/octet-stream' } }, key);

  it('stores an upload with 201, 200 the second time, and serves it by GET and HEAD', async () => {
    const { bytes, sha } = content(100);
    const first = await put(sha, bytes);
    expect([first.statusCode, first.json()]).toEqual([201, { sha256: sha, size: 100, created: true }]);
    expect((await put(sha.toUpperCase(), bytes)).json()).toEqual({ sha256: sha, size: 100, created: false });
    const got = await f.request({ method: 'GET', url: `/api/v1/blobs/${sha}` }, reader);
    expect([got.statusCode, got.rawPayload.equals(bytes)]).toEqual([200, true]);
    const head = await f.request({ method: 'HEAD', url: `/api/v1/blobs/${sha}` }, reader);
    expect([head.statusCode, head.headers['content-length']]).toEqual([200, '100']);
  });

  it('answers which digests are missing, never the empty one', async () => {
    const held = content(10);
    await put(held.sha, held.bytes);
    const absent = content(10).sha;
    const res = await f.request(
      { method: 'POST', url: '/api/v1/blobs/missing', payload: { sha256: [absent, held.sha, EMPTY_SHA256, absent] } },
      reader,
    );
    expect([res.statusCode, res.json()]).toEqual([200, { missing: [absent] }]);
  });

  it('refuses bytes that do not match (422) and a read key (403), storing nothing', async () => {
    const { bytes, sha } = content(20);
    const mismatch = await put(sha, content(20).bytes);
    expect([mismatch.statusCode, mismatch.json().error.code]).toEqual([422, 'digest_mismatch']);
    expect((await put(sha, bytes, reader)).statusCode).toBe(403);
    expect(await f.store.stat(sha)).toBeNull();
  });

  it('takes content down for admins only (410 afterwards), and reinstates it (404 when not taken down)', async () => {
    const { bytes, sha } = content(30);
    await put(sha, bytes);
    expect((await f.request({ method: 'DELETE', url: `/api/v1/blobs/${sha}` }, writer)).statusCode).toBe(403);
    expect((await f.request({ method: 'DELETE', url: `/api/v1/blobs/${sha}` })).statusCode).toBe(204);
    expect((await f.request({ method: 'GET', url: `/api/v1/blobs/${sha}` }, reader)).statusCode).toBe(410);
    expect((await put(sha, bytes)).statusCode).toBe(410);
    expect((await f.request({ method: 'POST', url: `/api/v1/blobs/${sha}/reinstate` })).statusCode).toBe(204);
    expect((await f.request({ method: 'POST', url: `/api/v1/blobs/${sha}/reinstate` })).statusCode).toBe(404);
    expect((await put(sha, bytes)).statusCode).toBe(201);
  });

  it('stores a pack part by part, refusing in its item a part over the size limit', async () => {
    const a = content(10);
    const big = content(1001);
    const res = await f.request(
      {
        method: 'POST',
        url: '/api/v1/blobs/pack',
        ...multipartBody([
          [a.sha, a.bytes],
          [big.sha, big.bytes],
          [a.sha, a.bytes],
        ]),
      },
      writer,
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      items: [
        { sha256: a.sha, size: 10, created: true },
        { sha256: big.sha, error: { code: 'payload_too_large', message: 'the part is larger than the limit of 1000 bytes' } },
        { sha256: a.sha, size: 10, created: false },
      ],
    });
    expect(await f.store.stat(big.sha)).toBeNull();
  });

  it('answers a pack with a part that names no file 400, saying what became of the file parts', async () => {
    const a = content(10);
    const { payload, headers } = multipartBody([[a.sha, a.bytes]]);
    const boundary = 'hoard-spec-boundary';
    const extra = Buffer.from(
      `--${boundary}\r\nContent-Type: text/plain\r\n\r\nstray\r\n--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n`,
    );
    const body = Buffer.concat([extra, payload]);
    const res = await f.request({ method: 'POST', url: '/api/v1/blobs/pack', payload: body, headers }, writer);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual({
      unnamed_parts: 1,
      items: [
        { sha256: 'note', error: { code: 'invalid_request', message: 'not a file part: not stored' } },
        { sha256: a.sha, size: 10, created: true },
      ],
    });
  });

  it('answers a pack that is not multipart 400', async () => {
    const res = await f.request(
      { method: 'POST', url: '/api/v1/blobs/pack', payload: 'x', headers: { 'content-type': 'application/octet-stream' } },
      writer,
    );
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'invalid_request']);
  });
});

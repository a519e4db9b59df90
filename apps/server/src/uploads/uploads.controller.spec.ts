import { HoardError } from '@app/contracts';
import { MemoryUploadStore, UPLOAD_STORE } from '@app/storage';
import { Readable } from 'node:stream';
import { AppFixture, appFixture } from '../testing/app-fixture';
import { content } from '../testing/service-fixtures';
import { UploadsService } from './uploads.service';

const TUS = { 'tus-resumable': '1.0.0' };
const BYTES = { ...TUS, 'content-type': 'application/offset+octet-stream' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('UploadsController (in process)', () => {
  let f: AppFixture;
  let writer: string;
  let other: string;
  let store: MemoryUploadStore;
  beforeAll(async () => {
    f = await appFixture({ HOARD_MAX_BLOB_BYTES: '1000' });
    writer = await f.key('write');
    other = await f.key('write');
    store = f.app.get(UPLOAD_STORE);
  });
  afterAll(() => f.close());

  const create = (length: number, metadata: string, key: string | null = writer, extra: Record<string, string> = {}, payload?: Buffer) =>
    f.request(
      {
        method: 'POST',
        url: '/api/v1/uploads',
        headers: { ...TUS, 'upload-length': String(length), 'upload-metadata': metadata, ...extra },
        payload,
      },
      key,
    );
  const createFor = async (sha: string, length: number) => {
    const res = await create(length, `sha256 ${b64(sha)},filename ${b64('big.iso')}`);
    expect(res.statusCode).toBe(201);
    return res.headers.location as string;
  };
  const patch = (url: string, offset: number, bytes: Buffer, key = writer, headers: Record<string, string> = BYTES) =>
    f.request({ method: 'PATCH', url, headers: { ...headers, 'upload-offset': String(offset) }, payload: bytes }, key);
  const head = (url: string, key = writer) => f.request({ method: 'HEAD', url, headers: TUS }, key);
  const blob = (sha: string) => f.request({ method: 'GET', url: `/api/v1/blobs/${sha}` });

  it('answers discovery without a key: version, extensions, largest upload', async () => {
    const res = await f.request({ method: 'OPTIONS', url: '/api/v1/uploads' }, null);
    expect(res.statusCode).toBe(204);
    expect(res.headers).toMatchObject({
      'tus-resumable': '1.0.0',
      'tus-version': '1.0.0',
      'tus-extension': 'creation,creation-with-upload,termination,expiration',
      'tus-max-size': '1000',
    });
  });

  it('documents every tus route and answer in /openapi.json, bodies optional', async () => {
    const doc = (await f.request({ method: 'GET', url: '/openapi.json' }, null)).json();
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path][method].responses).map(Number);
    expect(statuses('/api/v1/uploads', 'options')).toEqual(expect.arrayContaining([204]));
    expect(statuses('/api/v1/uploads', 'post')).toEqual(expect.arrayContaining([201, 400, 401, 403, 410, 412, 413, 422, 429, 503, 507]));
    expect(statuses('/api/v1/uploads/{id}', 'head')).toEqual(expect.arrayContaining([200, 401, 403, 404, 410, 412]));
    expect(statuses('/api/v1/uploads/{id}', 'patch')).toEqual(expect.arrayContaining([204, 400, 404, 409, 410, 412, 413, 415, 422]));
    expect(statuses('/api/v1/uploads/{id}', 'delete')).toEqual(expect.arrayContaining([204, 404, 410, 412]));
    expect(doc.paths['/api/v1/uploads'].post.requestBody).toEqual({
      required: false,
      content: { 'application/offset+octet-stream': { schema: { type: 'string', format: 'binary' } } },
    });
    expect(doc.paths['/api/v1/uploads/{id}'].patch.requestBody.required).toBe(false);
    expect(doc.paths['/api/v1/blobs/{sha256}'].put.requestBody.required).toBe(true);
  });

  it('stores an upload sent in pieces once its last byte is in, then forgets the upload', async () => {
    const { bytes, sha } = content(900);
    const url = await createFor(sha, 900);
    expect(url).toMatch(/^\/api\/v1\/uploads\/[0-9a-f]{48}$/);
    const first = await patch(url, 0, bytes.subarray(0, 400));
    expect([first.statusCode, first.headers['upload-offset'], first.headers['tus-resumable']]).toEqual([204, '400', '1.0.0']);
    expect(first.headers['x-request-id']).toEqual(expect.any(String));
    expect(first.headers['upload-expires']).toEqual(expect.any(String));
    const state = await head(url);
    expect([state.statusCode, state.headers['upload-offset'], state.headers['upload-length']]).toEqual([200, '400', '900']);
    expect((await blob(sha)).statusCode).toBe(404);
    const last = await patch(url, 400, bytes.subarray(400));
    expect([last.statusCode, last.headers['upload-offset'], last.headers['x-hoard-sha256']]).toEqual([204, '900', sha]);
    const got = await blob(sha);
    expect([got.statusCode, got.rawPayload.equals(bytes)]).toEqual([200, true]);
    expect((await head(url)).statusCode).toBe(404);
    expect(store.size).toBe(0);
  });

  it('stores an upload whose creation carried every byte, and the empty content', async () => {
    const { bytes, sha } = content(300);
    const res = await create(300, `sha256 ${b64(sha)}`, writer, { 'content-type': 'application/offset+octet-stream' }, bytes);
    expect([res.statusCode, res.headers['upload-offset']]).toEqual([201, '300']);
    expect((await blob(sha)).rawPayload.equals(bytes)).toBe(true);
    const empty = await create(0, `sha256 ${b64('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')}`);
    expect(empty.statusCode).toBe(201);
    expect(store.size).toBe(0);
  });

  it('answers bytes that do not hash to the digest 422 digest_mismatch, stores nothing and discards the upload', async () => {
    const { sha } = content(100);
    const url = await createFor(sha, 100);
    const res = await patch(url, 0, content(100).bytes);
    expect([res.statusCode, res.headers['content-type'], res.json().error.code]).toEqual([
      422,
      'application/json; charset=utf-8',
      'digest_mismatch',
    ]);
    expect((await blob(sha)).statusCode).toBe(404);
    expect((await head(url)).statusCode).toBe(404);
  });

  it('refuses a PATCH at the wrong offset (409), past the length (413), of another type (415), each in the error shape', async () => {
    const { bytes, sha } = content(100);
    const url = await createFor(sha, 100);
    const wrong = await patch(url, 10, bytes.subarray(10));
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([409, 'conflict']);
    const past = await patch(url, 0, Buffer.concat([bytes, bytes]));
    expect([past.statusCode, past.json().error.code]).toEqual([413, 'payload_too_large']);
    const typed = await patch(url, 0, bytes, writer, { ...TUS, 'content-type': 'application/octet-stream' });
    expect([typed.statusCode, typed.json().error.code]).toEqual([415, 'unsupported_media_type']);
    expect((await head(url)).headers['upload-offset']).toBe('0');
  });

  it('asks for Tus-Resumable (412, naming the version it speaks)', async () => {
    const res = await f.request({ method: 'POST', url: '/api/v1/uploads', headers: { 'upload-length': '1' } }, writer);
    expect([res.statusCode, res.json().error.code, res.headers['tus-version']]).toEqual([412, 'precondition_failed', '1.0.0']);
  });

  it('refuses creations without a key (401), with a read key (403), without a target, a digest or a length within the limit', async () => {
    const { sha } = content(10);
    const target = `sha256 ${b64(sha)}`;
    const before = store.size;
    const codes = async (res: Promise<{ statusCode: number; json(): { error: { code: string } } }>) => {
      const r = await res;
      return [r.statusCode, r.json().error.code];
    };
    expect(await codes(create(10, target, null))).toEqual([401, 'unauthorized']);
    expect(await codes(create(10, target, await f.key('read')))).toEqual([403, 'forbidden']);
    expect(await codes(create(10, `filename ${b64('x')}`))).toEqual([400, 'validation_failed']);
    expect(await codes(create(10, `sha256 ${b64('abc')}`))).toEqual([400, 'invalid_digest']);
    expect(await codes(create(1001, target))).toEqual([413, 'payload_too_large']);
    expect(await codes(create(10, 'sha256 !!'))).toEqual([400, 'invalid_request']);
    expect(store.size).toBe(before);
  });

  it('refuses an upload of content taken down (410)', async () => {
    const { bytes, sha } = content(50);
    await f.request({
      method: 'PUT',
      url: `/api/v1/blobs/${sha}`,
      payload: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    await f.request({ method: 'DELETE', url: `/api/v1/blobs/${sha}` });
    const res = await create(50, `sha256 ${b64(sha)}`);
    expect([res.statusCode, res.json().error.code]).toEqual([410, 'gone']);
  });

  it("hides a key's uploads from every other key (404), and terminates them for their own", async () => {
    const { bytes, sha } = content(100);
    const url = await createFor(sha, 100);
    expect((await head(url, other)).statusCode).toBe(404);
    expect((await patch(url, 0, bytes, other)).statusCode).toBe(404);
    expect((await f.request({ method: 'DELETE', url, headers: TUS }, other)).statusCode).toBe(404);
    expect((await f.request({ method: 'DELETE', url, headers: TUS })).statusCode).toBe(404);
    const terminated = await f.request({ method: 'DELETE', url, headers: TUS }, writer);
    expect(terminated.statusCode).toBe(204);
    expect((await head(url)).statusCode).toBe(404);
    expect((await f.request({ method: 'HEAD', url: '/api/v1/uploads/..%2F..%2Fhoard.db', headers: TUS })).statusCode).toBe(404);
  });

  it('stores an upload named by bucket and key as the next version of that object, with its options', async () => {
    const { bytes, sha } = content(600);
    const before = store.size;
    const metadata = [
      `bucket ${b64('results')}`,
      `key ${b64('jobs/42/result.zip')}`,
      `filetype ${b64('application/zip')}`,
      `ttl_seconds ${b64('3600')}`,
      `meta-owner ${b64('worker 7')}`,
    ].join(',');
    const created = await create(600, metadata);
    expect(created.statusCode).toBe(201);
    const url = created.headers.location as string;
    expect((await patch(url, 0, bytes.subarray(0, 100))).statusCode).toBe(204);
    const last = await patch(url, 100, bytes.subarray(100));
    expect([last.statusCode, last.headers['x-hoard-version'], last.headers['x-hoard-sha256']]).toEqual([204, '1', sha]);
    const got = await f.request({ method: 'GET', url: '/api/v1/objects/results/jobs/42/result.zip' });
    expect([got.statusCode, got.headers['content-type'], got.headers['x-hoard-meta-owner'], got.rawPayload.equals(bytes)]).toEqual([
      200,
      'application/zip',
      'worker 7',
      true,
    ]);
    expect(got.headers['x-hoard-expires-at']).toEqual(expect.any(String));
    const again = await create(600, `bucket ${b64('results')},key ${b64('jobs/42/result.zip')}`, writer, BYTES, bytes);
    expect([again.statusCode, again.headers['x-hoard-version']]).toEqual([201, '2']);
    expect(store.size).toBe(before);
  });

  it('refuses an object upload with a bad name or option before any byte (400), and bytes that miss its digest (422)', async () => {
    const before = store.size;
    const bad = await create(10, `bucket ${b64('Bad_Bucket')},key ${b64('k')}`);
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'validation_failed']);
    const unknown = await create(10, `bucket ${b64('b')},key ${b64('k')},ttl ${b64('60')}`);
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([400, 'validation_failed']);
    expect(store.size).toBe(before);
    const { sha } = content(50);
    const url = (await create(50, `bucket ${b64('b')},key ${b64('k')},sha256 ${b64(sha)}`)).headers.location as string;
    const res = await patch(url, 0, content(50).bytes);
    expect([res.statusCode, res.json().error.code]).toEqual([422, 'digest_mismatch']);
    expect((await f.request({ method: 'GET', url: '/api/v1/objects/b/k' })).statusCode).toBe(404);
    expect(store.size).toBe(before);
  });

  it('keeps an upload whose verified put failed for want of a store (503), and stores it at its next HEAD', async () => {
    const { bytes, sha } = content(150);
    const url = await createFor(sha, 150);
    jest
      .spyOn(f.store, 'put')
      .mockRejectedValueOnce(new HoardError('unavailable', 'blob store unavailable (write): EIO', { cause: new Error('EIO') }));
    const failed = await patch(url, 0, bytes);
    expect([failed.statusCode, failed.json().error.code]).toEqual([503, 'unavailable']);
    expect(failed.json().error.message).not.toMatch(/EIO/);
    expect((await blob(sha)).statusCode).toBe(404);
    const res = await head(url);
    expect([res.statusCode, res.headers['upload-offset']]).toEqual([200, '150']);
    expect((await blob(sha)).rawPayload.equals(bytes)).toBe(true);
  });

  it('stores an upload whose last byte arrived but whose server never stored it, at its next HEAD', async () => {
    const { bytes, sha } = content(200);
    const url = await createFor(sha, 200);
    const id = url.split('/').pop()!;
    // The bytes go straight to the store, as when a server died between the last byte and the verified put.
    await store.write(Readable.from([bytes]), id, 0);
    const res = await head(url);
    expect([res.statusCode, res.headers['upload-offset'], res.headers['upload-length']]).toEqual([200, '200', '200']);
    expect((await blob(sha)).rawPayload.equals(bytes)).toBe(true);
    expect((await head(url)).statusCode).toBe(404);
  });
});

describe('UploadsController with a short expiry (in process)', () => {
  let f: AppFixture;
  beforeAll(async () => {
    f = await appFixture({ HOARD_UPLOAD_EXPIRY_HOURS: '0.0001' });
  });
  afterAll(() => f.close());

  it('answers 410 for an expired upload, and the sweep removes its bytes', async () => {
    const { bytes, sha } = content(100);
    const store: MemoryUploadStore = f.app.get(UPLOAD_STORE);
    const created = await f.request({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: { ...TUS, 'upload-length': '100', 'upload-metadata': `sha256 ${b64(sha)}` },
    });
    const url = created.headers.location as string;
    await f.request({ method: 'PATCH', url, headers: { ...BYTES, 'upload-offset': '0' }, payload: bytes.subarray(0, 10) });
    const deadline = Date.now() + 10_000;
    let state = await f.request({ method: 'HEAD', url, headers: TUS });
    while (state.statusCode === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      state = await f.request({ method: 'HEAD', url, headers: TUS });
    }
    expect(state.statusCode).toBe(410);
    const res = await f.request({ method: 'PATCH', url, headers: { ...BYTES, 'upload-offset': '10' }, payload: bytes.subarray(10) });
    expect([res.statusCode, res.json().error.code]).toEqual([410, 'gone']);
    expect(await f.app.get(UploadsService).sweep()).toBe(1);
    expect(store.size).toBe(0);
    await expect(store.getUpload(url.split('/').pop()!)).rejects.toMatchObject({ status_code: 404 });
  });
});

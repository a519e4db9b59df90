import { createHash } from 'node:crypto';
import { AppFixture, appFixture } from '../testing/app-fixture';

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** A multipart form: fields first, then one file part (then `after`, fields a form should not have there). */
function form(
  fields: Array<[string, string]>,
  file: Buffer | null,
  fileType = 'application/octet-stream',
  after: Array<[string, string]> = [],
) {
  const boundary = 'hoard-objects-spec';
  const field = ([name, value]: [string, string]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const parts: Buffer[] = fields.map(field);
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="result.zip"\r\nContent-Type: ${fileType}\r\n\r\n`,
      ),
      file,
      Buffer.from('\r\n'),
      ...after.map(field),
    );
  }
  return {
    payload: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

describe('ObjectsController', () => {
  let sut: AppFixture;
  beforeAll(async () => {
    sut = await appFixture();
  });
  afterAll(() => sut.close());

  const put = (url: string, payload: string | Buffer, headers: Record<string, string> = {}, key?: string | null) =>
    sut.request({ method: 'PUT', url, payload, headers: { 'content-type': 'application/octet-stream', ...headers } }, key);

  it('stores with the options of its headers and serves them back on GET and HEAD', async () => {
    const res = await put('/api/v1/objects/reports/2026/march%20summary.csv', 'a,b\n1,2\n', {
      'content-type': 'text/csv',
      'x-hoard-ttl-seconds': '3600',
      'x-hoard-meta-owner': 'finance',
      'x-hoard-meta-run-id': '42',
    });
    expect(res.statusCode).toBe(201);
    const object = res.json();
    expect(object).toMatchObject({
      bucket: 'reports',
      key: '2026/march summary.csv',
      version: 1,
      sha256: sha('a,b\n1,2\n'),
      size: 8,
      content_type: 'text/csv',
      metadata: { owner: 'finance', 'run-id': '42' },
      delete_after_download: false,
      deleted_at: null,
    });
    expect(new Date(object.expires_at).getTime() - new Date(object.created_at).getTime()).toBe(3_600_000);

    for (const method of ['GET', 'HEAD'] as const) {
      const got = await sut.request({ method, url: '/api/v1/objects/reports/2026/march%20summary.csv' });
      expect(got.statusCode).toBe(200);
      expect(got.headers).toMatchObject({
        'content-type': 'text/csv',
        'content-length': '8',
        etag: `"${object.sha256}"`,
        'last-modified': new Date(object.created_at).toUTCString(),
        'x-hoard-version': '1',
        'x-hoard-expires-at': object.expires_at,
        'x-hoard-meta-owner': 'finance',
        'x-hoard-meta-run-id': '42',
      });
      expect(got.body).toBe(method === 'GET' ? 'a,b\n1,2\n' : '');
    }
  });

  it('serves ranges, If-None-Match and older versions', async () => {
    await put('/api/v1/objects/backups/user-1/db.sqlite', 'version one');
    const second = (await put('/api/v1/objects/backups/user-1/db.sqlite', 'version two!')).json();
    const url = '/api/v1/objects/backups/user-1/db.sqlite';
    const range = await sut.request({ method: 'GET', url, headers: { range: 'bytes=8-' } });
    expect([range.statusCode, range.body, range.headers['content-range']]).toEqual([206, 'two!', 'bytes 8-11/12']);
    const cached = await sut.request({ method: 'GET', url, headers: { 'if-none-match': `"${second.sha256}"` } });
    expect([cached.statusCode, cached.body]).toEqual([304, '']);
    const old = await sut.request({ method: 'GET', url: `${url}?version=1` });
    expect([old.statusCode, old.body, old.headers['x-hoard-version']]).toEqual([200, 'version one', '1']);
    const none = await sut.request({ method: 'GET', url: `${url}?version=3` });
    expect([none.statusCode, none.json().error.code]).toEqual([404, 'not_found']);
    const versions = await sut.request({ method: 'GET', url: '/api/v1/objects/backups?key=user-1/db.sqlite&versions=true' });
    expect(versions.json().items.map((o: { version: number }) => o.version)).toEqual([2, 1]);
  });

  it('deletes a delete-after-download object on its first complete GET only: not on HEAD, a range or a 304', async () => {
    const url = '/api/v1/objects/jobs/job-7.zip';
    const stored = (await put(url, 'zip!', { 'x-hoard-delete-after-download': 'true' })).json();
    expect(stored.delete_after_download).toBe(true);
    expect((await sut.request({ method: 'HEAD', url })).statusCode).toBe(200);
    expect((await sut.request({ method: 'GET', url, headers: { range: 'bytes=0-1' } })).statusCode).toBe(206);
    expect((await sut.request({ method: 'GET', url, headers: { 'if-none-match': `"${stored.sha256}"` } })).statusCode).toBe(304);
    const full = await sut.request({ method: 'GET', url });
    expect([full.statusCode, full.body]).toEqual([200, 'zip!']);
    const after = await sut.request({ method: 'GET', url });
    expect([after.statusCode, after.json().error.code]).toEqual([410, 'gone']);
    expect((await sut.request({ method: 'HEAD', url })).statusCode).toBe(410);
  });

  it('takes a multipart form: the key and options as fields before the file part, or the key as a header', async () => {
    const zip = Buffer.from('PK\u0003\u0004 job output');
    const fields: Array<[string, string]> = [
      ['key', 'job-1/result.zip'],
      ['ttl_seconds', '600'],
      ['X-Hoard-Delete-After-Download', 'true'],
      ['meta-worker', 'w3'],
    ];
    const res = await sut.request({ method: 'POST', url: '/api/v1/objects/jobs', ...form(fields, zip, 'application/zip') });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      key: 'job-1/result.zip',
      size: zip.length,
      sha256: sha(zip),
      content_type: 'application/zip',
      delete_after_download: true,
      metadata: { worker: 'w3' },
    });
    const byHeader = form([], zip);
    const viaHeader = await sut.request({
      method: 'POST',
      url: '/api/v1/objects/jobs',
      payload: byHeader.payload,
      headers: { ...byHeader.headers, 'x-hoard-key': 'job-2/result.zip' },
    });
    expect([viaHeader.statusCode, viaHeader.json().key, viaHeader.json().content_type]).toEqual([
      201,
      'job-2/result.zip',
      'application/octet-stream',
    ]);
  });

  it('refuses a form without a key or a file part, or with an unknown field, storing nothing', async () => {
    const cases: Array<[Array<[string, string]>, Buffer | null, string]> = [
      [[], Buffer.from('x'), 'key'],
      [[['key', 'k']], null, 'file'],
      [
        [
          ['key', 'k'],
          ['job_id', '7'],
        ],
        Buffer.from('x'),
        'job_id',
      ],
      [
        [
          ['key', 'k'],
          ['ttl_seconds', 'soon'],
        ],
        Buffer.from('x'),
        'ttl_seconds',
      ],
    ];
    for (const [fields, file, field] of cases) {
      const res = await sut.request({ method: 'POST', url: '/api/v1/objects/forms', ...form(fields, file) });
      expect([res.statusCode, res.json().error.code, res.json().error.details.fields[0].field]).toEqual([400, 'validation_failed', field]);
    }
    expect((await sut.request({ method: 'GET', url: '/api/v1/objects/forms' })).json().items).toEqual([]);
  });

  it('refuses a field given twice, in any spelling, and never reads a field after the file part', async () => {
    const twice: Array<[Array<[string, string]>, string]> = [
      [
        [
          ['key', 'a'],
          ['key', 'b'],
        ],
        'key',
      ],
      [
        [
          ['key', 'k'],
          ['ttl_seconds', '60'],
          ['X-Hoard-Ttl-Seconds', '5'],
        ],
        'X-Hoard-Ttl-Seconds',
      ],
      [
        [
          ['key', 'k'],
          ['meta-owner', 'a'],
          ['META_OWNER', 'b'],
        ],
        'META_OWNER',
      ],
    ];
    for (const [fields, field] of twice) {
      const res = await sut.request({ method: 'POST', url: '/api/v1/objects/forms', ...form(fields, Buffer.from('x')) });
      expect([res.statusCode, res.json().error.code, res.json().error.details.fields[0].field]).toEqual([400, 'validation_failed', field]);
    }
    // The whole body arrives in one piece here, so the parser has seen the trailing fields too: still never read.
    const keyAfter = await sut.request({
      method: 'POST',
      url: '/api/v1/objects/forms',
      ...form([], Buffer.from('x'), undefined, [['key', 'late']]),
    });
    expect([keyAfter.statusCode, keyAfter.json().error.details.fields[0].field]).toEqual([400, 'key']);
    expect((await sut.request({ method: 'GET', url: '/api/v1/objects/forms' })).json().items).toEqual([]);
    const both = form([['key', 'early']], Buffer.from('x'), undefined, [
      ['key', 'late'],
      ['ttl_seconds', 'soon'],
    ]);
    const res = await sut.request({ method: 'POST', url: '/api/v1/objects/forms', ...both });
    expect([res.statusCode, res.json().key, res.json().expires_at]).toEqual([201, 'early', null]);
  });

  it('names a bad header in its answer; a digest the content does not have is 422; nothing is stored', async () => {
    const cases: Array<[Record<string, string>, number, string, string]> = [
      [{ 'x-hoard-sha256': 'abc' }, 400, 'invalid_digest', 'X-Hoard-Sha256'],
      [{ 'x-hoard-ttl-seconds': 'soon' }, 400, 'validation_failed', 'X-Hoard-Ttl-Seconds'],
      [{ 'x-hoard-expires-at': 'tomorrow' }, 400, 'validation_failed', 'X-Hoard-Expires-At'],
      [{ 'x-hoard-expires-at': '2020-01-01T00:00:00Z' }, 400, 'validation_failed', 'X-Hoard-Expires-At'],
      [{ 'x-hoard-delete-after-download': 'yes' }, 400, 'validation_failed', 'X-Hoard-Delete-After-Download'],
      [{ 'x-hoard-meta-big': 'x'.repeat(2100) }, 400, 'validation_failed', 'X-Hoard-Meta-*'],
    ];
    for (const [headers, status, code, field] of cases) {
      const res = await put('/api/v1/objects/bad/k', 'content', headers);
      const error = res.json().error;
      expect([status, code, field]).toEqual([res.statusCode, error.code, error.details.fields?.[0].field ?? error.details.field]);
    }
    const mismatch = await put('/api/v1/objects/bad/k', 'content', { 'x-hoard-sha256': sha('other') });
    expect([mismatch.statusCode, mismatch.json().error.code]).toEqual([422, 'digest_mismatch']);
    const listed = await sut.request({ method: 'GET', url: '/api/v1/objects/bad' });
    expect(listed.json().items).toEqual([]);
  });

  it('refuses bad buckets and keys with 400 naming them', async () => {
    for (const [url, field] of [
      ['/api/v1/objects/Bad/k', 'bucket'],
      ['/api/v1/objects/b/a%2F..%2Fb', 'key'],
      ['/api/v1/objects/b/a%2F%2Fb', 'key'],
      ['/api/v1/objects/b/', 'key'],
      [`/api/v1/objects/b/${'k'.repeat(1025)}`, 'key'],
      ['/api/v1/objects/b/a%00b', 'key'],
    ]) {
      const res = await put(url, 'x');
      expect([url, res.statusCode, res.json().error.details.fields[0].field]).toEqual([url, 400, field]);
    }
  });

  it('deletes one object (204, then 410) or, for an admin, every one under a prefix', async () => {
    for (const key of ['ws/u1/a', 'ws/u1/b', 'ws/u2/c']) await put(`/api/v1/objects/space/${key}`, key);
    const writer = await sut.key('write');
    expect((await sut.request({ method: 'DELETE', url: '/api/v1/objects/space/ws/u2/c' }, writer)).statusCode).toBe(204);
    expect((await sut.request({ method: 'GET', url: '/api/v1/objects/space/ws/u2/c' })).statusCode).toBe(410);
    expect((await sut.request({ method: 'DELETE', url: '/api/v1/objects/space/never' }, writer)).statusCode).toBe(404);
    expect((await sut.request({ method: 'DELETE', url: '/api/v1/objects/space?prefix=ws/u1/' }, writer)).statusCode).toBe(403);
    const missing = await sut.request({ method: 'DELETE', url: '/api/v1/objects/space' });
    expect([missing.statusCode, missing.json().error.code]).toEqual([400, 'validation_failed']);
    const removed = await sut.request({ method: 'DELETE', url: '/api/v1/objects/space?prefix=ws/u1/' });
    expect([removed.statusCode, removed.json()]).toEqual([200, { deleted: 2 }]);
    expect((await sut.request({ method: 'GET', url: '/api/v1/objects/space' })).json().items).toEqual([]);
  });

  it('needs write to store and read to fetch', async () => {
    const reader = await sut.key('read');
    const refused = await put('/api/v1/objects/scoped/k', 'x', {}, reader);
    expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'forbidden']);
    await put('/api/v1/objects/scoped/k', 'x');
    expect((await sut.request({ method: 'GET', url: '/api/v1/objects/scoped/k' }, reader)).statusCode).toBe(200);
    expect((await sut.request({ method: 'GET', url: '/api/v1/objects/scoped/k' }, null)).statusCode).toBe(401);
  });
});

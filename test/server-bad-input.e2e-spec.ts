import { Readable } from 'node:stream';
import { RunningServer, startServer } from './support/server';
import {
  blobFilesOnDisk,
  expectError,
  expectNoLeak,
  expectStatus,
  fileMeta,
  Http,
  HttpResult,
  randomContent,
  rawExchange,
  sha256,
} from './support/http';

const MiB = 1024 * 1024;

/**
 * Bad requests against a server with a 1 MiB blob limit and a 1 MiB JSON limit. Every case gets its 4xx with the
 * error shape, leaves the store exactly as it was (records, blobs on disk, keys) and the server serving.
 */
describe('server: bad input changes nothing', () => {
  let server: RunningServer;
  let admin: Http;
  let writer: Http;
  let stored: { data: Buffer; sha: string };
  let before: string;

  beforeAll(async () => {
    server = await startServer({ env: { HOARD_MAX_BLOB_BYTES: String(MiB), HOARD_MAX_JSON_BYTES: String(MiB) } });
    admin = new Http(server.url, server.adminKey);
    writer = admin.as((await admin.mintKey(['write'], 'writer')).key);
    stored = randomContent(1000);
    await writer.upload(stored.data);
    expectStatus(await writer.post('/api/v1/files', fileMeta({ sha256: stored.sha, size: 1000 })), 201);
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** Everything the store holds, as one comparable string. */
  async function snapshot(): Promise<string> {
    const files = await admin.get('/api/v1/files', { query: { include_deleted: true, limit: 1000 } });
    const stats = await admin.get('/api/v1/stats');
    const keys = (await admin.get('/api/v1/keys')).json().map(({ last_used_at, ...k }: any) => k);
    return JSON.stringify({ files: files.json(), stats: stats.json(), keys, disk: blobFilesOnDisk(server.dataDir) }, null, 1);
  }

  /** The temp files of an upload cut short are removed once the server noticed; give it a moment. */
  async function settled(): Promise<void> {
    for (let i = 0; i < 50 && blobFilesOnDisk(server.dataDir).some((f) => f.startsWith('.tmp/')); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeEach(async () => {
    before = await snapshot();
  });

  afterEach(async () => {
    await settled();
    expect(await snapshot()).toBe(before);
    const health = await admin.get('/health');
    expectStatus(health, 200);
    expectStatus(await admin.get(`/api/v1/blobs/${stored.sha}`), 200);
  });

  const bad = (res: HttpResult, status: number, code: string) => expectError(res, status, code, [server.dataDir]);
  const fields = (error: any) => error.details.fields.map((f: any) => f.field);
  const postRaw = (path: string, body: string | Buffer, type = 'application/json') =>
    writer.call('POST', path, { body, headers: { 'content-type': type } });

  describe('bodies that are not what the route takes', () => {
    it.each([
      ['/api/v1/files', '{"filepath": "/x", '],
      ['/api/v1/files/batch', '{"files": [}'],
      ['/api/v1/blobs/missing', 'not json at all'],
      ['/put_file', '{"hostname": "h",}'],
    ])('malformed JSON to %s -> 400 invalid_request', async (path, body) => {
      bad(await postRaw(path, body), 400, 'invalid_request');
    });

    it('malformed JSON to /api/v1/keys with an admin key -> 400 invalid_request', async () => {
      const res = await admin.call('POST', '/api/v1/keys', {
        body: "{'name': 'single quotes'}",
        headers: { 'content-type': 'application/json' },
      });
      bad(res, 400, 'invalid_request');
    });

    it('an empty JSON body -> 400 invalid_request', async () => {
      bad(await postRaw('/api/v1/files', ''), 400, 'invalid_request');
    });

    it('JSON with a __proto__ key: the key is dropped like any unknown field, the rest validated', async () => {
      const error = bad(await postRaw('/api/v1/files', '{"__proto__": {"admin": true}, "filepath": "/p"}'), 400, 'validation_failed');
      expect(fields(error).sort()).toEqual(['hostname', 'sha256', 'size']);
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/octet-stream'])(
      'Content-Type %s on a JSON route -> 400 invalid_request',
      async (type) => {
        const body = JSON.stringify(fileMeta());
        bad(await postRaw('/api/v1/files', body, type), 400, 'invalid_request');
        bad(await postRaw('/api/v1/blobs/missing', JSON.stringify({ sha256: [stored.sha] }), type), 400, 'invalid_request');
      },
    );

    it('a JSON array or a bare value where an object belongs -> 400', async () => {
      const array = bad(await postRaw('/api/v1/files', JSON.stringify([fileMeta()])), 400, 'validation_failed');
      expect(array.message.length).toBeGreaterThan(0);
      bad(await postRaw('/api/v1/files/batch', '42'), 400, 'validation_failed');
      bad(await postRaw('/api/v1/blobs/missing', 'null'), 400, 'validation_failed');
    });
  });

  describe('bodies over the limits', () => {
    const big = randomContent(MiB + 1);

    it('a blob over HOARD_MAX_BLOB_BYTES with Content-Length -> 413, nothing stored', async () => {
      const error = bad(await writer.put(`/api/v1/blobs/${big.sha}`, big.data), 413, 'payload_too_large');
      expect(error.details).toEqual({ maxBytes: MiB });
      expect((await writer.head(`/api/v1/blobs/${big.sha}`)).status).toBe(404);
    });

    it('a blob over the limit sent chunked -> 413, nothing stored', async () => {
      const chunks = Array.from({ length: 17 }, (_, i) => big.data.subarray(i * 65536, (i + 1) * 65536));
      const res = await writer.put(`/api/v1/blobs/${big.sha}`, Readable.from(chunks));
      bad(res, 413, 'payload_too_large');
      expect((await writer.head(`/api/v1/blobs/${big.sha}`)).status).toBe(404);
    });

    it('a blob of exactly the limit is accepted (then removed again by an admin)', async () => {
      const exact = randomContent(MiB);
      expectStatus(await writer.put(`/api/v1/blobs/${exact.sha}`, exact.data), 201);
      expectStatus(await admin.delete(`/api/v1/blobs/${exact.sha}`), 204);
      // The takedown is remembered (410), so the store is not as before: restore the snapshot's expectations.
      before = await snapshot();
    });

    it('a multipart upload over the limit -> 413, nothing stored', async () => {
      const boundary = 'b-413';
      const body = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        big.data,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const res = await writer.call('POST', `/upload_file/${big.sha}`, {
        body,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
      expect(bad(res, 413, 'payload_too_large').details).toEqual({ maxBytes: MiB });
    });

    it('JSON over HOARD_MAX_JSON_BYTES -> 413', async () => {
      const files = Array.from({ length: 300 }, () => fileMeta({ filepath: '/' + 'x'.repeat(4000) }));
      const body = JSON.stringify({ files });
      expect(body.length).toBeGreaterThan(MiB);
      bad(await postRaw('/api/v1/files/batch', body), 413, 'payload_too_large');
    });

    it('an upload whose client dies half way stores nothing', async () => {
      const { data, sha } = randomContent(200_000);
      const head = `PUT /api/v1/blobs/${sha} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${writer.key}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${data.length}\r\nConnection: close\r\n\r\n`;
      await rawExchange(server.port, [head, data.subarray(0, 100_000)], { hangUp: true });
      await new Promise((r) => setTimeout(r, 200));
      expect((await writer.head(`/api/v1/blobs/${sha}`)).status).toBe(404);
    });
  });

  describe('clients that vanish', () => {
    it('40 uploads cut off at different points store nothing and leave the server serving', async () => {
      const { data, sha } = randomContent(300_000);
      const head = `PUT /api/v1/blobs/${sha} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${writer.key}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${data.length}\r\n\r\n`;
      const cuts = Array.from({ length: 40 }, (_, i) => Math.floor((i / 40) * (data.length - 1)));
      await Promise.all(cuts.map((cut) => rawExchange(server.port, [head, data.subarray(0, cut)], { hangUp: true })));
      await new Promise((r) => setTimeout(r, 300));
      expectStatus(await admin.get('/health'), 200);
      expect((await writer.head(`/api/v1/blobs/${sha}`)).status).toBe(404);
    });
  });

  describe('digests', () => {
    const hex63 = 'a'.repeat(63);
    it.each([
      ['non-hex', 'g'.repeat(64)],
      ['65 characters', 'a'.repeat(65)],
      ['2,000 characters', 'a'.repeat(2000)],
      ['63 characters', hex63],
      ['an encoded ../ path', encodeURIComponent(`../../${'a'.repeat(58)}`)],
      ['an encoded absolute path', encodeURIComponent('/etc/passwd')],
      ['a dot-dot segment', '..'],
      ['spaces', encodeURIComponent(` ${'a'.repeat(63)}`)],
    ])('%s in the path -> 400 invalid_digest on every blob route', async (_what, digest) => {
      const { data } = randomContent(10);
      bad(await writer.get(`/api/v1/blobs/${digest}`), 400, 'invalid_digest');
      expect((await writer.head(`/api/v1/blobs/${digest}`)).status).toBe(400);
      bad(await writer.put(`/api/v1/blobs/${digest}`, data), 400, 'invalid_digest');
      bad(await writer.get(`/api/v1/blobs/${digest}/files`), 400, 'invalid_digest');
      bad(await admin.delete(`/api/v1/blobs/${digest}`), 400, 'invalid_digest');
      bad(await writer.get(`/get_file/${digest}`), 400, 'invalid_digest');
      bad(
        await writer.call('POST', `/upload_file/${digest}`, { body: data, headers: { 'content-type': 'application/octet-stream' } }),
        400,
        'invalid_digest',
      );
    });

    it('a malformed percent-encoding in the URL -> 400 invalid_request with the error shape', async () => {
      bad(await writer.get('/api/v1/blobs/%ZZ'), 400, 'invalid_request');
      bad(await writer.put('/api/v1/blobs/%E0%A4%A', Buffer.from('x')), 400, 'invalid_request');
      bad(await writer.get('/api/v1/files/%'), 400, 'invalid_request');
    });

    it('raw ../ segments reach no blob route (404) and no file outside the store', async () => {
      const res = await writer.get(`/api/v1/blobs/../../../../etc/passwd`);
      bad(res, 404, 'not_found');
      expect(res.text).not.toContain('root:');
      bad(await writer.put(`/api/v1/blobs/../${'a'.repeat(64)}`, Buffer.from('x')), 404, 'not_found');
    });

    it.each([
      ['non-hex', 'z'.repeat(64)],
      ['65 characters', 'b'.repeat(65)],
      ['a ../ path', '../../etc/passwd'],
      ['a number', 12345],
    ])('%s in a body -> 400 invalid_digest', async (_what, digest) => {
      const missing = bad(await writer.post('/api/v1/blobs/missing', { sha256: [stored.sha, digest] }), 400, 'invalid_digest');
      expect(fields(missing)).toEqual(['sha256.1']);
      const record = bad(await writer.post('/api/v1/files', fileMeta({ sha256: digest })), 400, 'invalid_digest');
      expect(fields(record)).toEqual(['sha256']);
      const batch = bad(
        await writer.post('/api/v1/files/batch', { files: [fileMeta(), fileMeta({ sha256: digest })] }),
        400,
        'invalid_digest',
      );
      expect(fields(batch)).toEqual(['files.1.sha256']);
      bad(await writer.get('/api/v1/files', { query: { sha256: String(digest) } }), 400, 'invalid_digest');
    });
  });

  describe('counts over the contract', () => {
    it('a batch of 1,001 files -> 400 validation_failed naming files', async () => {
      const files = Array.from({ length: 1001 }, () => fileMeta());
      expect(fields(bad(await writer.post('/api/v1/files/batch', { files }), 400, 'validation_failed'))).toEqual(['files']);
      expect(fields(bad(await writer.post('/api/v1/files/batch', { files: [] }), 400, 'validation_failed'))).toEqual(['files']);
    });

    it('a missing request of 10,001 digests -> 400 validation_failed naming sha256', async () => {
      const digests = Array.from({ length: 10_001 }, (_, i) => sha256(`d${i}`));
      expect(fields(bad(await writer.post('/api/v1/blobs/missing', { sha256: digests }), 400, 'validation_failed'))).toEqual(['sha256']);
      expect(fields(bad(await writer.post('/api/v1/blobs/missing', { sha256: [] }), 400, 'validation_failed'))).toEqual(['sha256']);
      const notList = bad(await writer.post('/api/v1/blobs/missing', { sha256: stored.sha }), 400, 'validation_failed');
      expect(fields(notList)).toEqual(['sha256']);
    });

    it('1,001 deleted paths -> 400 validation_failed naming filepaths', async () => {
      const filepaths = Array.from({ length: 1001 }, (_, i) => `/p/${i}`);
      const error = bad(await writer.post('/api/v1/files/deleted', { hostname: 'host-a', filepaths }), 400, 'validation_failed');
      expect(fields(error)).toEqual(['filepaths']);
    });
  });

  describe('fields out of range', () => {
    it.each([
      ['a negative size', { size: -1 }, ['size']],
      ['a fractional size', { size: 1.5 }, ['size']],
      ['a size as a string', { size: '12' }, ['size']],
      ['a size past 2^53', { size: 2 ** 60 }, ['size']],
      ['a negative mode', { mode: -1 }, ['mode']],
      ['a uid as text', { uid: 'root' }, ['uid']],
      ['an mtime as text', { mtime: 'yesterday' }, ['mtime']],
      ['a path of 4,097 characters', { filepath: '/' + 'p'.repeat(4096) }, ['filepath']],
      ['a hostname of 256 characters', { hostname: 'h'.repeat(256) }, ['hostname']],
      ['an empty hostname', { hostname: '' }, ['hostname']],
      ['a filepath that is a number', { filepath: 7 }, ['filepath']],
    ])('%s -> 400 validation_failed naming the field', async (_what, override, expected) => {
      const error = bad(await writer.post('/api/v1/files', fileMeta(override)), 400, 'validation_failed');
      expect(fields(error)).toEqual(expected);
      const batch = bad(
        await writer.post('/api/v1/files/batch', { files: [fileMeta(), fileMeta(), fileMeta(override)] }),
        400,
        'validation_failed',
      );
      expect(fields(batch)).toEqual(expected.map((f) => `files.2.${f}`));
    });

    it('missing required fields -> 400 validation_failed naming each', async () => {
      const error = bad(await writer.post('/api/v1/files', {}), 400, 'validation_failed');
      expect(fields(error).sort()).toEqual(['filepath', 'hostname', 'sha256', 'size']);
      const some = bad(await writer.post('/api/v1/files', { filepath: '/a', sha256: stored.sha }), 400, 'validation_failed');
      expect(fields(some).sort()).toEqual(['hostname', 'size']);
      const put = bad(await writer.post('/put_file', { filepath: '/a' }), 400, 'validation_failed');
      expect(fields(put).sort()).toEqual(['hostname', 'sha256', 'size']);
    });

    it.each([
      [{ limit: 0 }, 'limit'],
      [{ limit: 1001 }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ include_deleted: 'maybe' }, 'include_deleted'],
      [{ path_prefix: '/' + 'p'.repeat(4096) }, 'path_prefix'],
      [{ hostname: 'h'.repeat(256) }, 'hostname'],
    ])('list query %j -> 400 validation_failed', async (query, field) => {
      expect(fields(bad(await writer.get('/api/v1/files', { query }), 400, 'validation_failed'))).toEqual([field]);
    });

    it('a cursor that the server did not make -> 400', async () => {
      const res = await writer.get('/api/v1/files', { query: { cursor: 'definitely-not-a-cursor' } });
      expect(fields(bad(res, 400, 'validation_failed'))).toEqual(['cursor']);
    });

    it('history and content without their query -> 400 validation_failed', async () => {
      expect(fields(bad(await writer.get('/api/v1/files/history', { query: { hostname: 'h' } }), 400, 'validation_failed'))).toEqual([
        'filepath',
      ]);
      expect(fields(bad(await writer.get('/api/v1/files/content'), 400, 'validation_failed')).sort()).toEqual(['filepath', 'hostname']);
    });
  });

  describe('routes and ids that do not exist', () => {
    it('an unknown route -> 404 not_found with the error shape', async () => {
      bad(await writer.get('/api/v1/nothing-here'), 404, 'not_found');
      bad(await writer.get('/api/v2/files'), 404, 'not_found');
    });

    it('an id with path characters -> 404', async () => {
      bad(await writer.get(`/api/v1/files/${encodeURIComponent('../../etc/passwd')}`), 404, 'not_found');
      bad(await writer.delete(`/api/v1/files/${encodeURIComponent("1' OR '1'='1")}`), 404, 'not_found');
    });

    it('no response body of an error carries a stack frame or a server path', async () => {
      const res = await writer.put(`/api/v1/blobs/${stored.sha}`, Buffer.from('wrong bytes'));
      bad(res, 422, 'digest_mismatch');
      expectNoLeak(res, [server.dataDir, process.cwd()]);
    });
  });
});

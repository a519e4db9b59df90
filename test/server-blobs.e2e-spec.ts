import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { LOOSE_BLOBS, type RunningServer } from './support/server';
import {
  blobFilesOnDisk,
  blobPath,
  EMPTY_SHA,
  expectError,
  expectStatus,
  fileMeta,
  Http,
  randomContent,
  sha256,
  useServerWithKeys,
} from './support/http';

describe('server: blobs by digest', () => {
  let server: RunningServer;
  let admin: Http;
  let writer: Http;
  let reader: Http;
  useServerWithKeys((s) => ({ server, admin, writer, reader } = s), { env: LOOSE_BLOBS });

  const blob = (sha: string) => `/api/v1/blobs/${sha}`;
  const missing = async (digests: string[]) => {
    const res = await reader.post('/api/v1/blobs/missing', { sha256: digests });
    expectStatus(res, 200);
    return res.json().missing as string[];
  };

  describe('PUT', () => {
    it('stores new content with 201, answers 200 created:false for the same bytes again, and keeps one file', async () => {
      const { data, sha } = randomContent(4096);
      const first = await writer.put(blob(sha), data);
      expectStatus(first, 201);
      expect(first.json()).toEqual({ sha256: sha, size: 4096, created: true });
      const again = await writer.put(blob(sha), data);
      expectStatus(again, 200);
      expect(again.json()).toEqual({ sha256: sha, size: 4096, created: false });
      expect(readFileSync(blobPath(server.dataDir, sha)).equals(data)).toBe(true);
      expect(blobFilesOnDisk(server.dataDir).filter((f) => f.endsWith(sha))).toEqual([`${sha.slice(0, 2)}/${sha}`]);
    });

    it('accepts an upper-case digest and a chunked body without Content-Length, storing the digest lower-case', async () => {
      const { data, sha } = randomContent(300_000);
      const chunks = [data.subarray(0, 100_000), data.subarray(100_000, 200_000), data.subarray(200_000)];
      const res = await writer.put(blob(sha.toUpperCase()), Readable.from(chunks));
      expectStatus(res, 201);
      expect(res.json()).toEqual({ sha256: sha, size: 300_000, created: true });
      const got = await reader.get(blob(sha));
      expect(got.body.equals(data)).toBe(true);
    });

    it('takes a body sent without Content-Type, or with the type of the file', async () => {
      const plain = randomContent(777);
      const res = await writer.call('PUT', blob(plain.sha), { body: plain.data });
      expectStatus(res, 201);
      expect(res.json()).toEqual({ sha256: plain.sha, size: 777, created: true });
      const png = randomContent(99);
      expectStatus(await writer.call('PUT', blob(png.sha), { body: png.data, headers: { 'content-type': 'image/png' } }), 201);
      expect((await reader.get(blob(png.sha))).body.equals(png.data)).toBe(true);
    });

    it('stores nothing when the bytes do not hash to the digest (422), so the digest stays missing', async () => {
      const { sha } = randomContent(2048);
      const other = randomContent(2048).data;
      const res = await writer.put(blob(sha), other);
      const error = expectError(res, 422, 'digest_mismatch', [server.dataDir]);
      expect(error.details).toEqual({ expected: sha, actual: sha256(other) });
      expect((await reader.head(blob(sha))).status).toBe(404);
      expectError(await reader.get(blob(sha)), 404, 'not_found');
      expect(await missing([sha])).toEqual([sha]);
      expect(blobFilesOnDisk(server.dataDir).filter((f) => f.includes(sha) || f.includes(sha256(other)))).toEqual([]);
      expect(blobFilesOnDisk(server.dataDir).filter((f) => f.startsWith('.tmp/'))).toEqual([]);
    });

    it('keeps a stored blob intact when a later upload of its digest carries other bytes', async () => {
      const { data, sha } = randomContent(8192);
      expectStatus(await writer.put(blob(sha), data), 201);
      const bad = Buffer.from(data);
      bad[100] ^= 0xff;
      expectError(await writer.put(blob(sha), bad), 422, 'digest_mismatch');
      const shorter = data.subarray(0, 4096);
      expectError(await writer.put(blob(sha), shorter), 422, 'digest_mismatch');
      const got = await reader.get(blob(sha));
      expectStatus(got, 200);
      expect(got.body.equals(data)).toBe(true);
      expect(readFileSync(blobPath(server.dataDir, sha)).equals(data)).toBe(true);
      expect(await missing([sha])).toEqual([]);
    });

    it('lets 50 concurrent uploads of one digest all succeed: exactly one 201, 49 200, one blob file', async () => {
      const { data, sha } = randomContent(1 << 20);
      const results = await Promise.all(Array.from({ length: 50 }, () => writer.put(blob(sha), data)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([...Array(49).fill(200), 201].sort());
      for (const r of results) expect(r.json()).toMatchObject({ sha256: sha, size: 1 << 20 });
      expect(results.filter((r) => r.json().created === true)).toHaveLength(1);
      const files = blobFilesOnDisk(server.dataDir);
      expect(files.filter((f) => f.includes(sha))).toEqual([`${sha.slice(0, 2)}/${sha}`]);
      expect(files.filter((f) => f.startsWith('.tmp/'))).toEqual([]);
      expect(readFileSync(blobPath(server.dataDir, sha)).equals(data)).toBe(true);
    });
  });

  describe('racing uploads', () => {
    it('lets 20 good and 20 mismatched concurrent uploads of one digest race: 1 x 201, 19 x 200, 20 x 422, the good bytes kept', async () => {
      const { data, sha } = randomContent(512 * 1024);
      const bad = Buffer.from(data);
      bad[bad.length - 1] ^= 0x01;
      const bodies = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? data : bad));
      const results = await Promise.all(bodies.map((body) => writer.put(blob(sha), body)));
      const byBody = (b: Buffer) =>
        results
          .filter((_, i) => bodies[i] === b)
          .map((r) => r.status)
          .sort();
      expect(byBody(data)).toEqual([...Array(19).fill(200), 201].sort());
      expect(byBody(bad)).toEqual(Array(20).fill(422));
      expect(readFileSync(blobPath(server.dataDir, sha)).equals(data)).toBe(true);
      expect((await reader.get(blob(sha))).body.equals(data)).toBe(true);
      expect(blobFilesOnDisk(server.dataDir).filter((f) => f.startsWith('.tmp/'))).toEqual([]);
    });
  });

  describe('GET and HEAD', () => {
    let data: Buffer;
    let sha: string;

    beforeAll(async () => {
      ({ data, sha } = randomContent(1000));
      await writer.upload(data);
    });

    it('streams the content with its headers', async () => {
      const res = await reader.get(blob(sha));
      expectStatus(res, 200);
      expect(res.header('content-type')).toBe('application/octet-stream');
      expect(res.header('content-length')).toBe('1000');
      expect(res.header('etag')).toBe(`"${sha}"`);
      expect(res.header('accept-ranges')).toBe('bytes');
      expect(res.body.equals(data)).toBe(true);
    });

    it('answers HEAD with Content-Length and ETag and no body; 404 for unknown content', async () => {
      const res = await reader.head(blob(sha));
      expectStatus(res, 200);
      expect(res.header('content-length')).toBe('1000');
      expect(res.header('etag')).toBe(`"${sha}"`);
      expect(res.body.length).toBe(0);
      const unknown = await reader.head(blob(randomContent(8).sha));
      expect(unknown.status).toBe(404);
      expect(unknown.body.length).toBe(0);
    });

    it.each([
      ['bytes=0-0', 0, 0],
      ['bytes=-10', 990, 999],
      ['bytes=10-', 10, 999],
      ['bytes=100-199', 100, 199],
      ['bytes=990-5000', 990, 999],
    ])('serves Range %s as 206 with Content-Range', async (range, start, end) => {
      const res = await reader.get(blob(sha), { headers: { range } });
      expectStatus(res, 206);
      expect(res.header('content-range')).toBe(`bytes ${start}-${end}/1000`);
      expect(res.header('content-length')).toBe(String(end - start + 1));
      expect(res.header('etag')).toBe(`"${sha}"`);
      expect(res.body.equals(data.subarray(start, end + 1))).toBe(true);
    });

    it.each(['bytes=1000-', 'bytes=1000-1001', 'bytes=5000-6000'])('answers Range %s past the end with 416', async (range) => {
      const res = await reader.get(blob(sha), { headers: { range } });
      const error = expectError(res, 416, 'range_not_satisfiable', [server.dataDir]);
      expect(error.details).toEqual({ size: 1000 });
    });

    it.each(['bytes=abc', 'items=0-5', 'bytes=0-1,5-6'])(
      'serves the whole content for Range %s (malformed, other unit, several ranges)',
      async (range) => {
        const res = await reader.get(blob(sha), { headers: { range } });
        expectStatus(res, 200);
        expect(res.header('content-range')).toBe('');
        expect(res.body.equals(data)).toBe(true);
      },
    );

    it('answers a weak or listed If-None-Match match by 304', async () => {
      expectStatus(await reader.get(blob(sha), { headers: { 'if-none-match': `W/"${sha}"` } }), 304);
      expectStatus(await reader.get(blob(sha), { headers: { 'if-none-match': `"${EMPTY_SHA}", "${sha}"` } }), 304);
      expectStatus(await reader.get(blob(sha), { headers: { 'if-none-match': `"${sha}"`, range: 'bytes=0-0' } }), 304);
    });

    it('answers If-None-Match with the ETag by 304 and no body; another ETag gets the content', async () => {
      const hit = await reader.get(blob(sha), { headers: { 'if-none-match': `"${sha}"` } });
      expectStatus(hit, 304);
      expect(hit.body.length).toBe(0);
      expect(hit.header('etag')).toBe(`"${sha}"`);
      const miss = await reader.get(blob(sha), { headers: { 'if-none-match': `"${EMPTY_SHA}"` } });
      expectStatus(miss, 200);
      expect(miss.body.equals(data)).toBe(true);
    });

    it('serves the empty content without an upload: 0 bytes', async () => {
      const res = await reader.get(blob(EMPTY_SHA));
      expectStatus(res, 200);
      expect(res.header('content-length')).toBe('0');
      expect(res.body.length).toBe(0);
      const head = await reader.head(blob(EMPTY_SHA));
      expectStatus(head, 200);
      expect(head.header('content-length')).toBe('0');
    });

    it('answers 404 not_found for content never stored', async () => {
      expectError(await reader.get(blob(randomContent(8).sha)), 404, 'not_found');
    });
  });

  describe('POST /api/v1/blobs/missing', () => {
    it('lists lacking digests lower-case, in request order, each once, accepting either case', async () => {
      const present = await writer.upload(randomContent(100).data);
      const a = randomContent(10).sha;
      const b = randomContent(10).sha;
      const c = randomContent(10).sha;
      const res = await missing([b.toUpperCase(), present, a, EMPTY_SHA, b, c.toUpperCase(), a.toUpperCase(), present.toUpperCase(), c]);
      expect(res).toEqual([b, a, c]);
    });

    it('never lists the empty-content digest', async () => {
      expect(await missing([EMPTY_SHA, EMPTY_SHA.toUpperCase()])).toEqual([]);
    });

    it('accepts 10,000 digests', async () => {
      const digests = Array.from({ length: 10_000 }, (_, i) => sha256(`digest-${i}`));
      const res = await missing(digests);
      expect(res).toEqual(digests);
    });
  });

  describe('GET /api/v1/blobs/{sha256}/files', () => {
    it('lists every current record of the content, the epoch first, and no deleted one', async () => {
      const { data, sha } = randomContent(64);
      const epoch = await writer.post('/api/v1/files', fileMeta({ hostname: 'zeta', filepath: '/z/first', sha256: sha, size: 64 }));
      expectStatus(epoch, 201);
      const clone = await writer.post('/api/v1/files', fileMeta({ hostname: 'alpha', filepath: '/a/clone', sha256: sha, size: 64 }));
      expectStatus(clone, 201);
      const moved = fileMeta({ hostname: 'alpha', filepath: '/a/moved', sha256: sha, size: 64 });
      expectStatus(await writer.post('/api/v1/files', moved), 201);
      // A newer version of /a/moved with other content: its old version is history, not a current clone.
      expectStatus(await writer.post('/api/v1/files', { ...moved, sha256: randomContent(8).sha, size: 8 }), 201);
      await writer.upload(data);
      const res = await reader.get(`/api/v1/blobs/${sha.toUpperCase()}/files`);
      expectStatus(res, 200);
      const items = res.json().items;
      expect(items.map((i: { id: string }) => i.id)).toEqual([epoch.json().id, clone.json().id]);
      expect(items[0]).toMatchObject({ hostname: 'zeta', filepath: '/z/first', sha256: sha, content_available: true });
      expectStatus(await writer.delete(`/api/v1/files/${clone.json().id}`), 204);
      const after = (await reader.get(`/api/v1/blobs/${sha}/files`)).json().items;
      expect(after.map((i: { id: string }) => i.id)).toEqual([epoch.json().id]);
    });

    it('answers 404 for content with neither records nor bytes', async () => {
      expectError(await reader.get(`/api/v1/blobs/${randomContent(8).sha}/files`), 404, 'not_found');
    });
  });

  describe('DELETE /api/v1/blobs/{sha256}', () => {
    it('takes content down: later GET and HEAD answer 410, records show content_available false, it is missing again', async () => {
      const { data, sha } = randomContent(512);
      await writer.upload(data);
      const rec = await writer.post('/api/v1/files', fileMeta({ sha256: sha, size: 512 }));
      expect(rec.json()).toMatchObject({ content_available: true, upload_required: false });
      expectError(await writer.delete(blob(sha)), 403, 'forbidden');
      expectStatus(await reader.get(blob(sha)), 200);
      const res = await admin.delete(blob(sha));
      expectStatus(res, 204);
      expect(res.body.length).toBe(0);
      expectError(await reader.get(blob(sha)), 410, 'gone');
      expect((await reader.head(blob(sha))).status).toBe(410);
      const meta = rec.json();
      const content = await reader.get('/api/v1/files/content', { query: { hostname: meta.hostname, filepath: meta.filepath } });
      expectError(content, 410, 'gone');
      const record = await reader.get(`/api/v1/files/${rec.json().id}`);
      expect(record.json()).toMatchObject({ id: rec.json().id, content_available: false });
      const clones = await reader.get(`/api/v1/blobs/${sha}/files`);
      expect(clones.json().items.map((i: { content_available: boolean }) => i.content_available)).toEqual([false]);
      expect(await missing([sha])).toEqual([]);
      expect(blobFilesOnDisk(server.dataDir).filter((f) => f.includes(sha))).toEqual([]);
    });

    it('answers 404 for content never stored', async () => {
      expectError(await admin.delete(blob(randomContent(8).sha)), 404, 'not_found');
    });
  });

  describe('empty content', () => {
    // Runs after the GET tests, which show the empty content is served before anyone uploads it.
    it('stores the empty content: 201 the first time, then 200', async () => {
      const first = await writer.put(blob(EMPTY_SHA), Buffer.alloc(0));
      expectStatus(first, 201);
      expect(first.json()).toEqual({ sha256: EMPTY_SHA, size: 0, created: true });
      const again = await writer.put(blob(EMPTY_SHA), Buffer.alloc(0));
      expectStatus(again, 200);
      expect(again.json()).toEqual({ sha256: EMPTY_SHA, size: 0, created: false });
    });
  });

  describe('keys on blob routes', () => {
    it('asks for a key (401), refuses a read key an upload (403) and stores nothing', async () => {
      const { data, sha } = randomContent(100);
      expectError(await reader.as(undefined).get(blob(sha)), 401, 'unauthorized');
      expectError(await reader.as('hk_not_a_key_at_all_0000000000').get(blob(sha)), 401, 'unauthorized');
      expectError(await reader.as(undefined).put(blob(sha), data), 401, 'unauthorized');
      const forbidden = expectError(await reader.put(blob(sha), data), 403, 'forbidden');
      expect(forbidden.details).toMatchObject({ required_scope: 'write' });
      expect(await missing([sha])).toEqual([sha]);
    });
  });
});

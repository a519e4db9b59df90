import { expectError, expectStatus, fileMeta, Http, randomContent, useServerWithKeys } from './support/http';

/** Every ranged route answers conditional and range requests alike. */
describe('server: ranges and conditions on every ranged route', () => {
  let writer: Http;
  let reader: Http;
  useServerWithKeys((s) => ({ writer, reader } = s));

  const old = randomContent(1000);
  const current = randomContent(1200);
  const meta = fileMeta({ hostname: 'ranges', filepath: '/data/file.bin' });

  beforeAll(async () => {
    await writer.upload(old.data);
    await writer.upload(current.data);
    expectStatus(await writer.post('/api/v1/files', { ...meta, sha256: old.sha, size: 1000 }), 201);
    expectStatus(await writer.post('/api/v1/files', { ...meta, sha256: current.sha, size: 1200 }), 201);
  });

  const routes = () => [
    { name: 'blob', path: `/api/v1/blobs/${current.sha}`, query: undefined },
    { name: 'file content', path: '/api/v1/files/content', query: { hostname: meta.hostname, filepath: meta.filepath } },
  ];

  it('a resume with a stale If-Range gets the whole new content (200), never a splice of it', async () => {
    for (const { path, query } of routes()) {
      const res = await reader.get(path, { query, headers: { range: 'bytes=500-', 'if-range': `"${old.sha}"` } });
      expectStatus(res, 200);
      expect(res.body.equals(current.data)).toBe(true);
      expect(res.header('content-range')).toBe('');
    }
  });

  it('a resume whose If-Range names the current content gets the range (206)', async () => {
    for (const { path, query } of routes()) {
      const res = await reader.get(path, { query, headers: { range: 'bytes=500-', 'if-range': `"${current.sha}"` } });
      expectStatus(res, 206);
      expect(res.header('content-range')).toBe('bytes 500-1199/1200');
      expect(res.body.equals(current.data.subarray(500))).toBe(true);
    }
  });

  it('If-Match naming another version is 412; naming this one serves it', async () => {
    for (const { path, query } of routes()) {
      expectError(await reader.get(path, { query, headers: { 'if-match': `"${old.sha}"` } }), 412, 'precondition_failed');
      const res = await reader.get(path, { query, headers: { 'if-match': `"${current.sha}"`, range: 'bytes=0-9' } });
      expectStatus(res, 206);
      expect(res.body.equals(current.data.subarray(0, 10))).toBe(true);
    }
  });

  it('an unsatisfiable range is 416 with Content-Range: bytes */size', async () => {
    for (const { path, query } of routes()) {
      const res = await reader.get(path, { query, headers: { range: 'bytes=5000-6000' } });
      expectError(res, 416, 'range_not_satisfiable');
      expect(res.header('content-range')).toBe('bytes */1200');
    }
  });

  it('a syntactically invalid range (bytes=5-2) is ignored: the whole content, 200', async () => {
    for (const { path, query } of routes()) {
      for (const range of ['bytes=5-2', 'bytes=x-y', 'lines=1-2']) {
        const res = await reader.get(path, { query, headers: { range } });
        expectStatus(res, 200);
        expect(res.body.equals(current.data)).toBe(true);
      }
    }
  });
});

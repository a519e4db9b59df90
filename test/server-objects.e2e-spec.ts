import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Agent, FormData, request } from 'undici';
import { LOOSE_BLOBS, type RunningServer } from './support/server';
import { blobFilesOnDisk, expectError, expectStatus, fileMeta, Http, randomContent, sha256, useServerWithKeys } from './support/http';

/** Polls `check` until it holds or the deadline passes; the last answer is returned either way. */
async function eventually<T>(read: () => Promise<T>, holds: (value: T) => boolean, deadlineMs = 15_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (holds(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('server: objects by name', () => {
  let server: RunningServer;
  let admin: Http;
  let writer: Http;
  let reader: Http;
  // Loose blobs, so that a spec can count what is on disk; a one-second sweep of expired objects.
  useServerWithKeys((s) => ({ server, admin, writer, reader } = s), { env: { ...LOOSE_BLOBS, HOARD_OBJECT_SWEEP_SECONDS: '1' } });

  const object = (bucket: string, key: string) => `/api/v1/objects/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

  describe('a job result fetched once (drop box)', () => {
    it('a worker posts the result as a form; the first complete download deletes it; the next answers 410', async () => {
      const jobId = `job-${randomUUID()}`;
      const { data, sha } = randomContent(200_000);
      const form = new FormData();
      form.set('key', `${jobId}.zip`);
      form.set('delete_after_download', 'true');
      form.set('ttl_seconds', '86400');
      form.set('file', new Blob([data], { type: 'application/zip' }), 'result.zip');
      const posted = await writer.call('POST', '/api/v1/objects/results', { body: form });
      expectStatus(posted, 201);
      expect(posted.json()).toMatchObject({
        bucket: 'results',
        key: `${jobId}.zip`,
        sha256: sha,
        size: 200_000,
        delete_after_download: true,
      });

      const head = await reader.head(object('results', `${jobId}.zip`));
      expectStatus(head, 200);
      expect([head.header('content-length'), head.header('x-hoard-version')]).toEqual(['200000', '1']);
      const got = await reader.get(object('results', `${jobId}.zip`));
      expectStatus(got, 200);
      expect([sha256(got.body), got.header('content-type'), got.header('etag')]).toEqual([sha, 'application/zip', `"${sha}"`]);
      await eventually(
        () => reader.get(object('results', `${jobId}.zip`)),
        (res) => res.status === 410,
      );
      expectError(await reader.get(object('results', `${jobId}.zip`)), 410, 'gone');
      expect((await reader.head(object('results', `${jobId}.zip`))).status).toBe(410);
    });

    it('two clients downloading at once both receive the whole verified content; exactly one deletes it', async () => {
      const { data, sha } = randomContent(32 * 1024 * 1024);
      const key = `race-${randomUUID()}.bin`;
      expectStatus(await writer.put(object('results', key), data, { headers: { 'x-hoard-delete-after-download': 'true' } }), 201);
      const agent = new Agent({ connections: 4 });
      try {
        const url = `${server.url}${object('results', key)}`;
        // Both answers have begun (their heads are here) before either body is read.
        const [a, b] = await Promise.all([0, 1].map(() => request(url, { headers: { 'x-api-key': reader.key! }, dispatcher: agent })));
        expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
        const bodies = await Promise.all([a, b].map(async (res) => Buffer.from(await res.body.arrayBuffer())));
        expect(bodies.map((body) => [body.length, sha256(body)])).toEqual([
          [data.length, sha],
          [data.length, sha],
        ]);
      } finally {
        await agent.close();
      }
      const after = await eventually(
        () => reader.get(object('results', key)),
        (res) => res.status === 410,
      );
      expectError(after, 410, 'gone');
      const versions = await reader.get('/api/v1/objects/results', { query: { key, versions: true } });
      expect(versions.json().items.map((v: { deleted_at: string | null }) => v.deleted_at !== null)).toEqual([true]);
    });

    it('a download cut half-way, a range or a HEAD does not delete it', async () => {
      const { data, sha } = randomContent(16 * 1024 * 1024);
      const key = `cut-${randomUUID()}.bin`;
      expectStatus(await writer.put(object('results', key), data, { headers: { 'x-hoard-delete-after-download': 'true' } }), 201);
      const agent = new Agent({ connections: 1 });
      try {
        const cut = await request(`${server.url}${object('results', key)}`, { headers: { 'x-api-key': reader.key! }, dispatcher: agent });
        let received = 0;
        for await (const chunk of cut.body) {
          received += (chunk as Buffer).length;
          if (received > 1024 * 1024) break;
        }
        cut.body.destroy();
      } finally {
        await agent.destroy();
      }
      expectStatus(await reader.get(object('results', key), { headers: { range: 'bytes=0-99' } }), 206);
      expectStatus(await reader.head(object('results', key)), 200);
      // It is still there, whole: this download completes and is the one that deletes it.
      const whole = await reader.get(object('results', key));
      expectStatus(whole, 200);
      expect(sha256(whole.body)).toBe(sha);
      await eventually(
        () => reader.head(object('results', key)),
        (res) => res.status === 410,
      );
    });
  });

  describe("a user's latest backup (storage service)", () => {
    it('keeps every upload of a user as a version; GET answers the latest, ?version=n an older one', async () => {
      const user = randomUUID();
      const key = `user-${user}/app.sqlite`;
      const uploads = [randomContent(5000), randomContent(7000), randomContent(6000)];
      for (const [i, { data }] of uploads.entries()) {
        const res = await writer.put(object('backups', key), data, { headers: { 'content-type': 'application/vnd.sqlite3' } });
        expectStatus(res, 201);
        expect(res.json().version).toBe(i + 1);
      }
      const latest = await reader.get(object('backups', key));
      expect([sha256(latest.body), latest.header('x-hoard-version'), latest.header('content-type')]).toEqual([
        uploads[2].sha,
        '3',
        'application/vnd.sqlite3',
      ]);
      expect(sha256((await reader.get(object('backups', key), { query: { version: 1 } })).body)).toBe(uploads[0].sha);
      const versions = await reader.get('/api/v1/objects/backups', { query: { key, versions: true } });
      expectStatus(versions, 200);
      expect(versions.json().items.map((v: { version: number; sha256: string }) => [v.version, v.sha256])).toEqual([
        [3, uploads[2].sha],
        [2, uploads[1].sha],
        [1, uploads[0].sha],
      ]);
      expectError(await reader.get(object('backups', key), { query: { version: 4 } }), 404, 'not_found');
      expectError(await reader.get(object('backups', `user-${randomUUID()}/app.sqlite`)), 404, 'not_found');
    });

    it("lists users' latest backups by prefix, a page at a time, each once", async () => {
      const keys = Array.from({ length: 7 }, (_, i) => `tenant-x/user-${i}/app.sqlite`);
      for (const key of keys) expectStatus(await writer.put(object('backups', key), Buffer.from(key)), 201);
      expectStatus(await writer.put(object('backups', keys[0]), Buffer.from('newer')), 201);
      expectStatus(await writer.put(object('backups', 'tenant-xy/user-9/app.sqlite'), Buffer.from('other tenant')), 201);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await reader.get('/api/v1/objects/backups', { query: { prefix: 'tenant-x/', limit: 3, cursor } });
        expectStatus(page, 200);
        expect(page.json().items.length).toBeLessThanOrEqual(3);
        seen.push(...page.json().items.map((o: { key: string; version: number }) => `${o.key}:v${o.version}`));
        cursor = page.json().next_cursor ?? undefined;
      } while (cursor);
      expect(seen.sort()).toEqual([`${keys[0]}:v2`, ...keys.slice(1).map((k) => `${k}:v1`)].sort());
    });
  });

  describe('a workspace (web tier streaming to storage)', () => {
    it('uploads several files, lists them by prefix, deletes them by prefix (admin), then answers 410', async () => {
      const space = `ws-${randomUUID()}`;
      const files = ['raw/a.csv', 'raw/b.csv', 'out/report.pdf'];
      for (const name of files) {
        const res = await writer.put(object('workspaces', `${space}/${name}`), Readable.from([Buffer.from(`content of ${name}`)]), {
          headers: { 'x-hoard-meta-uploaded-by': 'web-1' },
        });
        expectStatus(res, 201);
      }
      const listed = await reader.get('/api/v1/objects/workspaces', { query: { prefix: `${space}/raw/` } });
      expect(listed.json().items.map((o: { key: string; metadata: object }) => [o.key, o.metadata])).toEqual([
        [`${space}/raw/a.csv`, { 'uploaded-by': 'web-1' }],
        [`${space}/raw/b.csv`, { 'uploaded-by': 'web-1' }],
      ]);
      const head = await reader.head(object('workspaces', `${space}/out/report.pdf`));
      expect(head.header('x-hoard-meta-uploaded-by')).toBe('web-1');
      expectError(await writer.delete('/api/v1/objects/workspaces', { query: { prefix: `${space}/` } }), 403, 'forbidden');
      expectError(await admin.delete('/api/v1/objects/workspaces', { query: { prefix: '' } }), 400, 'validation_failed');
      const removed = await admin.delete('/api/v1/objects/workspaces', { query: { prefix: `${space}/` } });
      expectStatus(removed, 200);
      expect(removed.json()).toEqual({ deleted: 3 });
      expect((await reader.get('/api/v1/objects/workspaces', { query: { prefix: `${space}/` } })).json().items).toEqual([]);
      expectError(await reader.get(object('workspaces', `${space}/raw/a.csv`)), 410, 'gone');
      expectStatus(await writer.delete(object('workspaces', `${space}/raw/a.csv`)), 204);
      expectError(await writer.delete(object('workspaces', `${space}/never`)), 404, 'not_found');
    });
  });

  describe('content stored once', () => {
    it("an object whose content a scan already stored adds no blob; a scan of an object's content has nothing to upload", async () => {
      const scanned = randomContent(2 * 1024 * 1024);
      await writer.upload(scanned.data);
      const before = blobFilesOnDisk(server.dataDir).filter((f) => !f.startsWith('.'));
      const stats = (await reader.get('/api/v1/stats')).json();
      const put = await writer.put(object('dedup', 'copy.bin'), scanned.data);
      expectStatus(put, 201);
      expect(put.json().sha256).toBe(scanned.sha);
      expect(blobFilesOnDisk(server.dataDir).filter((f) => !f.startsWith('.'))).toEqual(before);
      const after = (await reader.get('/api/v1/stats')).json();
      expect([after.blobs, after.stored_bytes, after.objects]).toEqual([stats.blobs, stats.stored_bytes, stats.objects + 1]);

      const named = randomContent(3 * 1024 * 1024);
      expectStatus(await writer.put(object('dedup', 'first.bin'), named.data), 201);
      const recorded = await writer.post('/api/v1/files', fileMeta({ sha256: named.sha, size: named.data.length }));
      expect(recorded.json().upload_required).toBe(false);
      const clones = await reader.get(`/api/v1/blobs/${named.sha}/files`);
      expect([clones.json().items.length, clones.json().objects.map((o: { key: string }) => o.key)]).toEqual([1, ['first.bin']]);
    });
  });

  describe('reads', () => {
    it('serves Range, If-None-Match and HEAD with the content type it was stored with', async () => {
      const text = Buffer.from('0123456789abcdefghij');
      const stored = await writer.put(object('reads', 'docs/readme.txt'), text, {
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
      const etag = `"${stored.json().sha256}"`;
      const range = await reader.get(object('reads', 'docs/readme.txt'), { headers: { range: 'bytes=10-14' } });
      expectStatus(range, 206);
      expect([range.text, range.header('content-range'), range.header('content-type')]).toEqual([
        'abcde',
        'bytes 10-14/20',
        'text/plain; charset=utf-8',
      ]);
      expectError(
        await reader.get(object('reads', 'docs/readme.txt'), { headers: { range: 'bytes=30-40' } }),
        416,
        'range_not_satisfiable',
      );
      const cached = await reader.get(object('reads', 'docs/readme.txt'), { headers: { 'if-none-match': etag } });
      expect([cached.status, cached.body.length]).toEqual([304, 0]);
      const head = await reader.head(object('reads', 'docs/readme.txt'));
      expect([head.status, head.header('etag'), head.header('content-length'), head.header('last-modified')]).toEqual([
        200,
        etag,
        '20',
        new Date(stored.json().created_at).toUTCString(),
      ]);
    });

    it('answers 410 once an object expires, and the sweep marks it deleted', async () => {
      const res = await writer.put(object('reads', 'short-lived'), Buffer.from('soon gone'), { headers: { 'x-hoard-ttl-seconds': '1' } });
      expectStatus(res, 201);
      const gone = await eventually(
        () => reader.get(object('reads', 'short-lived')),
        (r) => r.status === 410,
      );
      expectError(gone, 410, 'gone');
      const versions = await eventually(
        () => reader.get('/api/v1/objects/reads', { query: { key: 'short-lived', versions: true } }),
        (r) => r.json().items[0].deleted_at !== null,
      );
      expect(versions.json().items[0].deleted_at).not.toBeNull();
    });
  });

  describe('bad input', () => {
    it('refuses bad buckets and keys with 400, storing nothing', async () => {
      const before = blobFilesOnDisk(server.dataDir);
      const cases: Array<[string, string]> = [
        ['/api/v1/objects/Upper/k', 'bucket'],
        ['/api/v1/objects/-dash/k', 'bucket'],
        [`/api/v1/objects/${'b'.repeat(64)}/k`, 'bucket'],
        ['/api/v1/objects/bad/a/../b', 'key'],
        ['/api/v1/objects/bad/./b', 'key'],
        ['/api/v1/objects/bad/a//b', 'key'],
        ['/api/v1/objects/bad/a/', 'key'],
        ['/api/v1/objects/bad/a%00b', 'key'],
        [`/api/v1/objects/bad/${'k'.repeat(1025)}`, 'key'],
        [`/api/v1/objects/bad/${'%C3%A9'.repeat(513)}`, 'key'],
      ];
      for (const [path, field] of cases) {
        const res = await writer.put(path, Buffer.from(`bytes of ${path}`));
        const error = expectError(res, 400, 'validation_failed');
        expect([path, error.details.fields.map((f: { field: string }) => f.field)]).toEqual([path, [field]]);
      }
      expectError(
        await writer.put(object('bad', 'meta'), Buffer.from('x'), { headers: { 'x-hoard-meta-big': 'v'.repeat(2100) } }),
        400,
        'validation_failed',
      );
      const wrong = await writer.put(object('bad', 'digest'), Buffer.from('these bytes'), {
        headers: { 'x-hoard-sha256': sha256('other bytes') },
      });
      expectError(wrong, 422, 'digest_mismatch');
      expect(blobFilesOnDisk(server.dataDir)).toEqual(before);
      expect((await reader.get('/api/v1/objects/bad')).json().items).toEqual([]);
      expectError(await reader.put(object('bad', 'k'), Buffer.from('x')), 403, 'forbidden');
    });
  });
});

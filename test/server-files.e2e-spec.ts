import { RunningServer, startServer } from './support/server';
import { EMPTY_SHA, expectError, expectStatus, fileMeta, Http, randomContent, useServerWithKeys } from './support/http';

const RECORD_FIELDS = [
  'id',
  'filepath',
  'hostname',
  'sha256',
  'size',
  'mode',
  'uid',
  'gid',
  'mtime',
  'atime',
  'ctime',
  'ip_address',
  'version',
  'first_seen_at',
  'last_seen_at',
  'deleted_at',
  'content_available',
  'type',
  'link_target',
].sort();

describe('server: file records', () => {
  let server: RunningServer;
  let admin: Http;
  let writer: Http;
  let reader: Http;
  useServerWithKeys((s) => ({ server, admin, writer, reader } = s));

  /** Every record on a host, following next_cursor. */
  async function listAll(query: Record<string, string | number | boolean>): Promise<any[]> {
    const items: any[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const res = await reader.get('/api/v1/files', { query: { ...query, cursor } });
      expectStatus(res, 200);
      const body = res.json();
      items.push(...body.items);
      if (body.next_cursor === null) return items;
      cursor = body.next_cursor;
    }
    throw new Error('pagination did not end');
  }

  describe('POST /api/v1/files', () => {
    it('creates (201), answers the same record again unchanged (200), and makes version 2 for new content', async () => {
      const meta = fileMeta({
        hostname: 'h-versions',
        mode: 0o644,
        uid: 1000,
        gid: 100,
        mtime: 1700000000.25,
        atime: 1700000001,
        ctime: 1700000002.5,
        ip_address: '10.0.0.7',
      });
      const first = await writer.post('/api/v1/files', meta);
      expectStatus(first, 201);
      const created = first.json();
      expect(Object.keys(created).sort()).toEqual([...RECORD_FIELDS, 'upload_required', 'upload_url'].sort());
      expect(created).toMatchObject({
        ...meta,
        version: 1,
        deleted_at: null,
        content_available: false,
        type: 'file',
        link_target: null,
        upload_required: true,
        upload_url: `/api/v1/blobs/${meta.sha256}`,
      });
      expect(new Date(created.first_seen_at).toISOString()).toBe(created.first_seen_at);

      await new Promise((r) => setTimeout(r, 20));
      const again = await writer.post('/api/v1/files', meta);
      expectStatus(again, 200);
      const unchanged = again.json();
      expect(unchanged).toMatchObject({ id: created.id, version: 1, first_seen_at: created.first_seen_at });
      expect(Date.parse(unchanged.last_seen_at)).toBeGreaterThan(Date.parse(created.last_seen_at));

      const next = randomContent(10);
      const second = await writer.post('/api/v1/files', { ...meta, sha256: next.sha, size: 10 });
      expectStatus(second, 201);
      expect(second.json()).toMatchObject({ version: 2, sha256: next.sha, size: 10 });
      expect(second.json().id).not.toBe(created.id);

      const history = await reader.get('/api/v1/files/history', { query: { hostname: meta.hostname, filepath: meta.filepath } });
      expectStatus(history, 200);
      expect(history.json().items.map((i: any) => [i.version, i.sha256])).toEqual([
        [2, next.sha],
        [1, meta.sha256],
      ]);
      const current = await listAll({ hostname: 'h-versions' });
      expect(current.map((i) => i.id)).toEqual([second.json().id]);
      const old = await reader.get(`/api/v1/files/${created.id}`);
      expect(old.json()).toMatchObject({ id: created.id, version: 1, sha256: meta.sha256 });
    });

    it('numbers concurrent new versions of one path 1..n, each once, and answers identical concurrent records 201 once', async () => {
      const base = fileMeta({ hostname: 'h-race', filepath: '/race' });
      const versions = await Promise.all(
        Array.from({ length: 20 }, () => writer.post('/api/v1/files', { ...base, sha256: randomContent(8).sha })),
      );
      for (const res of versions) expectStatus(res, 201);
      expect(versions.map((r) => r.json().version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      const history = (await reader.get('/api/v1/files/history', { query: { hostname: 'h-race', filepath: '/race' } })).json();
      expect(history.items.map((i: any) => i.version)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
      expect(await listAll({ hostname: 'h-race' })).toHaveLength(1);

      const same = fileMeta({ hostname: 'h-race', filepath: '/same' });
      const answers = await Promise.all(Array.from({ length: 20 }, () => writer.post('/api/v1/files', same)));
      expect(answers.map((r) => r.status).sort()).toEqual([...Array(19).fill(200), 201].sort());
      expect(new Set(answers.map((r) => r.json().id)).size).toBe(1);
    });

    it('stores digests lower-case and asks for an upload only while the store lacks the content', async () => {
      const { data, sha } = randomContent(50);
      const meta = fileMeta({ sha256: sha.toUpperCase(), size: 50 });
      const before = (await writer.post('/api/v1/files', meta)).json();
      expect(before).toMatchObject({ sha256: sha, upload_required: true, upload_url: `/api/v1/blobs/${sha}`, content_available: false });
      await writer.upload(data);
      const after = await writer.post('/api/v1/files', fileMeta({ sha256: sha, size: 50 }));
      expect(after.json()).toMatchObject({ upload_required: false, upload_url: null, content_available: true });
      // The client's claim of the size is not what decides: only the store does.
      const same = await writer.post('/api/v1/files', meta);
      expect(same.json()).toMatchObject({ id: before.id, upload_required: false, upload_url: null, content_available: true });
    });

    it('never asks for the empty content', async () => {
      const res = await writer.post('/api/v1/files', fileMeta({ sha256: EMPTY_SHA, size: 0 }));
      expectStatus(res, 201);
      expect(res.json()).toMatchObject({ size: 0, upload_required: false, upload_url: null, content_available: true });
    });

    it('accepts a path of 4,096 characters and a hostname of 255', async () => {
      const filepath = '/' + 'p'.repeat(4095);
      const hostname = 'h'.repeat(255);
      const res = await writer.post('/api/v1/files', fileMeta({ filepath, hostname }));
      expectStatus(res, 201);
      expect(res.json()).toMatchObject({ filepath, hostname });
    });
  });

  describe('POST /api/v1/files/batch', () => {
    it('answers each item in request order with its status and upload need', async () => {
      const stored = randomContent(20);
      await writer.upload(stored.data);
      const existing = fileMeta({ hostname: 'h-batch' });
      expectStatus(await writer.post('/api/v1/files', existing), 201);
      const files = [
        fileMeta({ hostname: 'h-batch', filepath: '/b/0' }),
        existing,
        fileMeta({ hostname: 'h-batch', filepath: '/b/2', sha256: stored.sha, size: 20 }),
        fileMeta({ hostname: 'h-batch', filepath: '/b/3', sha256: EMPTY_SHA, size: 0 }),
      ];
      const res = await writer.post('/api/v1/files/batch', { files });
      expectStatus(res, 200);
      const results = res.json().results;
      expect(results.map((r: any) => [r.index, r.sha256, r.status, r.upload_required])).toEqual([
        [0, files[0].sha256, 'created', true],
        [1, existing.sha256, 'unchanged', true],
        [2, stored.sha, 'created', false],
        [3, EMPTY_SHA, 'created', false],
      ]);
      for (const r of results)
        expect(Object.keys(r).sort()).toEqual(['content_available', 'id', 'index', 'sha256', 'status', 'upload_required']);
      expect(results.map((r: any) => r.content_available)).toEqual([false, false, true, true]);
      const listed = await listAll({ hostname: 'h-batch' });
      expect(listed.map((i) => i.id).sort()).toEqual(results.map((r: any) => r.id).sort());
    });

    it('records 1,000 files in one request', async () => {
      const files = Array.from({ length: 1000 }, (_, i) => fileMeta({ hostname: 'h-thousand', filepath: `/t/${i}` }));
      const res = await writer.post('/api/v1/files/batch', { files });
      expectStatus(res, 200);
      expect(res.json().results.map((r: any) => r.index)).toEqual(files.map((_, i) => i));
      expect(await listAll({ hostname: 'h-thousand', limit: 1000 })).toHaveLength(1000);
    });

    it('fails the whole batch naming files.<index>.<field> when one item is invalid, recording none', async () => {
      const files = [
        fileMeta({ hostname: 'h-badbatch' }),
        fileMeta({ hostname: 'h-badbatch' }),
        fileMeta({ hostname: 'h-badbatch', size: -1 }),
      ];
      const res = await writer.post('/api/v1/files/batch', { files });
      const error = expectError(res, 400, 'validation_failed', [server.dataDir]);
      expect(error.details.fields.map((f: any) => f.field)).toEqual(['files.2.size']);
      expect(await listAll({ hostname: 'h-badbatch', include_deleted: true })).toEqual([]);

      const missingField = [fileMeta({ hostname: 'h-badbatch' }), { ...fileMeta({ hostname: 'h-badbatch' }), filepath: undefined }];
      const error2 = expectError(await writer.post('/api/v1/files/batch', { files: missingField }), 400, 'validation_failed');
      expect(error2.details.fields.map((f: any) => f.field)).toEqual(['files.1.filepath']);
      expect(await listAll({ hostname: 'h-badbatch', include_deleted: true })).toEqual([]);
    });
  });

  describe('listing', () => {
    let ids: string[];

    beforeAll(async () => {
      const files = Array.from({ length: 120 }, (_, i) => fileMeta({ hostname: 'h-page', filepath: `/srv/${String(i % 3)}/${i}.txt` }));
      const res = await writer.post('/api/v1/files/batch', { files });
      ids = res.json().results.map((r: any) => r.id);
    });

    it('pages through 120 records with limit 7: every record exactly once, then next_cursor null', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await reader.get('/api/v1/files', { query: { hostname: 'h-page', limit: 7, cursor } });
        expectStatus(res, 200);
        const body = res.json();
        pages++;
        expect(body.items.length).toBe(pages <= 17 ? 7 : 1);
        seen.push(...body.items.map((i: any) => i.id));
        cursor = body.next_cursor ?? undefined;
      } while (cursor);
      expect(pages).toBe(18);
      expect(seen).toHaveLength(120);
      expect([...seen].sort()).toEqual([...ids].sort());
      const again = await listAll({ hostname: 'h-page', limit: 7 });
      expect(again.map((i) => i.id)).toEqual(seen);
    });

    it('filters by path prefix (a directory or a file, no pattern characters) and digest', async () => {
      const underOne = await listAll({ hostname: 'h-page', path_prefix: '/srv/1/' });
      expect(underOne).toHaveLength(40);
      expect(underOne.every((i) => i.filepath.startsWith('/srv/1/'))).toBe(true);
      const lit = [fileMeta({ hostname: 'h-lit', filepath: '/a_b/%/x' }), fileMeta({ hostname: 'h-lit', filepath: '/aXb/%/y' })];
      expectStatus(await writer.post('/api/v1/files/batch', { files: lit }), 200);
      expect((await listAll({ hostname: 'h-lit', path_prefix: '/a_b/' })).map((i) => i.filepath)).toEqual(['/a_b/%/x']);
      expect(await listAll({ hostname: 'h-lit', path_prefix: '/a%' })).toEqual([]);
      const odd = ['/data/Ünïcødé/😀 file.txt', '/data/Ünïcode/c', '/data/Ünïcødé2/d'];
      expectStatus(
        await writer.post('/api/v1/files/batch', { files: odd.map((filepath) => fileMeta({ hostname: 'h-odd', filepath })) }),
        200,
      );
      expect((await listAll({ hostname: 'h-odd', path_prefix: '/data/Ünïcødé' })).map((i) => i.filepath)).toEqual([odd[0]]);
      expect((await admin.delete('/api/v1/files', { query: { hostname: 'h-lit', path_prefix: '/a_' } })).json()).toEqual({ deleted: 0 });
      const removed = await admin.delete('/api/v1/files', { query: { hostname: 'h-lit', path_prefix: '/a_b' } });
      expect(removed.json()).toEqual({ deleted: 1 });
      expect((await listAll({ hostname: 'h-lit' })).map((i) => i.filepath)).toEqual(['/aXb/%/y']);
      const bySha = await listAll({ sha256: lit[1].sha256.toUpperCase() });
      expect(bySha.map((i) => i.filepath)).toEqual(['/aXb/%/y']);
      for (const item of bySha) expect(Object.keys(item).sort()).toEqual(RECORD_FIELDS);
    });

    it('defaults to 100 records a page', async () => {
      const res = await reader.get('/api/v1/files', { query: { hostname: 'h-page' } });
      expect(res.json().items).toHaveLength(100);
      expect(typeof res.json().next_cursor).toBe('string');
    });
  });

  describe('deletion', () => {
    it('marks paths a host no longer has deleted; include_deleted shows them', async () => {
      const files = [0, 1, 2].map((i) => fileMeta({ hostname: 'h-del', filepath: `/gone/${i}` }));
      expectStatus(await writer.post('/api/v1/files/batch', { files }), 200);
      const res = await writer.post('/api/v1/files/deleted', { hostname: 'h-del', filepaths: ['/gone/0', '/gone/2', '/gone/never-seen'] });
      expectStatus(res, 200);
      expect(res.json()).toEqual({ deleted: 2 });
      expect((await listAll({ hostname: 'h-del' })).map((i) => i.filepath)).toEqual(['/gone/1']);
      const all = await listAll({ hostname: 'h-del', include_deleted: true });
      expect(all.map((i) => [i.filepath, i.deleted_at === null]).sort()).toEqual([
        ['/gone/0', false],
        ['/gone/1', true],
        ['/gone/2', false],
      ]);
      const again = await writer.post('/api/v1/files/deleted', { hostname: 'h-del', filepaths: ['/gone/0'] });
      expect(again.json()).toEqual({ deleted: 0 });
    });

    it('makes a path recorded again after its deletion a new current version', async () => {
      const meta = fileMeta({ hostname: 'h-back', filepath: '/back' });
      const first = (await writer.post('/api/v1/files', meta)).json();
      expectStatus(await writer.post('/api/v1/files/deleted', { hostname: 'h-back', filepaths: ['/back'] }), 200);
      expect(await listAll({ hostname: 'h-back' })).toEqual([]);
      const again = await writer.post('/api/v1/files', meta);
      expectStatus(again, 201);
      expect(again.json()).toMatchObject({ version: 2, deleted_at: null, sha256: meta.sha256 });
      expect((await listAll({ hostname: 'h-back' })).map((i) => i.id)).toEqual([again.json().id]);
      const history = (await reader.get('/api/v1/files/history', { query: { hostname: 'h-back', filepath: '/back' } })).json();
      expect(history.items.map((i: any) => [i.id, i.version, i.deleted_at === null])).toEqual([
        [again.json().id, 2, true],
        [first.id, 1, false],
      ]);
    });

    it('DELETE /api/v1/files/{id} marks one record deleted (204); unknown ids are 404', async () => {
      const rec = (await writer.post('/api/v1/files', fileMeta({ hostname: 'h-del1' }))).json();
      expectError(await reader.delete(`/api/v1/files/${rec.id}`), 403, 'forbidden');
      const res = await writer.delete(`/api/v1/files/${rec.id}`);
      expectStatus(res, 204);
      expect(res.body.length).toBe(0);
      const got = (await reader.get(`/api/v1/files/${rec.id}`)).json();
      expect(got.id).toBe(rec.id);
      expect(typeof got.deleted_at).toBe('string');
      expect(await listAll({ hostname: 'h-del1' })).toEqual([]);
      expectError(await writer.delete('/api/v1/files/no-such-record'), 404, 'not_found');
    });

    it('DELETE /api/v1/files by prefix needs admin and marks only that host and prefix', async () => {
      const files = ['/p/a', '/p/b', '/pq/c', '/q/d'].map((filepath) => fileMeta({ hostname: 'h-prefix', filepath }));
      expectStatus(await writer.post('/api/v1/files/batch', { files }), 200);
      expectStatus(await writer.post('/api/v1/files', fileMeta({ hostname: 'h-other', filepath: '/p/a' })), 201);
      const query = { hostname: 'h-prefix', path_prefix: '/p/' };
      expectError(await writer.delete('/api/v1/files', { query }), 403, 'forbidden');
      expect(await listAll({ hostname: 'h-prefix' })).toHaveLength(4);
      const res = await admin.delete('/api/v1/files', { query });
      expectStatus(res, 200);
      expect(res.json()).toEqual({ deleted: 2 });
      expect((await listAll({ hostname: 'h-prefix' })).map((i) => i.filepath).sort()).toEqual(['/pq/c', '/q/d']);
      expect(await listAll({ hostname: 'h-other' })).toHaveLength(1);
      const noPrefix = expectError(await admin.delete('/api/v1/files', { query: { hostname: 'h-prefix' } }), 400, 'validation_failed');
      expect(noPrefix.details.fields.map((f: any) => f.field)).toEqual(['path_prefix']);
    });
  });

  describe('reading one record and its content', () => {
    it('GET /api/v1/files/{id} answers the record, 404 for unknown ids', async () => {
      const rec = (await writer.post('/api/v1/files', fileMeta())).json();
      const res = await reader.get(`/api/v1/files/${rec.id}`);
      expectStatus(res, 200);
      const { upload_required, upload_url, ...record } = rec;
      expect(res.json()).toEqual(record);
      expectError(await reader.get('/api/v1/files/unknown-id'), 404, 'not_found');
    });

    it('GET /api/v1/files/content streams the current version, with Range and ETag', async () => {
      const v1 = randomContent(300);
      const v2 = randomContent(400);
      await writer.upload(v1.data);
      await writer.upload(v2.data);
      const meta = fileMeta({ hostname: 'h-content', filepath: '/etc/app.conf', sha256: v1.sha, size: 300 });
      expectStatus(await writer.post('/api/v1/files', meta), 201);
      expectStatus(await writer.post('/api/v1/files', { ...meta, sha256: v2.sha, size: 400 }), 201);
      const query = { hostname: 'h-content', filepath: '/etc/app.conf' };
      const res = await reader.get('/api/v1/files/content', { query });
      expectStatus(res, 200);
      expect(res.header('etag')).toBe(`"${v2.sha}"`);
      expect(res.header('content-length')).toBe('400');
      expect(res.body.equals(v2.data)).toBe(true);
      const part = await reader.get('/api/v1/files/content', { query, headers: { range: 'bytes=-10' } });
      expectStatus(part, 206);
      expect(part.header('content-range')).toBe('bytes 390-399/400');
      expect(part.body.equals(v2.data.subarray(390))).toBe(true);
      expectError(await reader.get('/api/v1/files/content', { query, headers: { range: 'bytes=400-' } }), 416, 'range_not_satisfiable');
      expectError(await reader.get('/api/v1/files/content', { query: { ...query, filepath: '/nope' } }), 404, 'not_found');
    });

    it('GET /api/v1/files/content answers 404 while the content was never uploaded', async () => {
      const meta = fileMeta({ hostname: 'h-content', filepath: '/not/uploaded' });
      expectStatus(await writer.post('/api/v1/files', meta), 201);
      expectError(
        await reader.get('/api/v1/files/content', { query: { hostname: meta.hostname, filepath: meta.filepath } }),
        404,
        'not_found',
      );
    });

    it('GET /api/v1/files/history answers 404 for a path never recorded', async () => {
      expectError(await reader.get('/api/v1/files/history', { query: { hostname: 'h-none', filepath: '/x' } }), 404, 'not_found');
    });
  });

  describe('scopes', () => {
    it('refuses a read key to record (403) and records nothing', async () => {
      const meta = fileMeta({ hostname: 'h-readonly' });
      expectError(await reader.post('/api/v1/files', meta), 403, 'forbidden');
      expectError(await reader.post('/api/v1/files/batch', { files: [meta] }), 403, 'forbidden');
      expectError(await reader.post('/api/v1/files/deleted', { hostname: 'h-readonly', filepaths: ['/x'] }), 403, 'forbidden');
      expectError(await reader.as(undefined).get('/api/v1/files'), 401, 'unauthorized');
      expect(await listAll({ hostname: 'h-readonly', include_deleted: true })).toEqual([]);
    });
  });

  describe('stats', () => {
    it('counts files, hosts, blobs and bytes of this server', async () => {
      const fresh = await startServer();
      try {
        const api = new Http(fresh.url, fresh.adminKey);
        const a = randomContent(1000);
        const b = randomContent(3000);
        await api.upload(a.data);
        await api.upload(b.data);
        const files = [
          fileMeta({ hostname: 'one', sha256: a.sha, size: 1000 }),
          fileMeta({ hostname: 'one', sha256: a.sha, size: 1000 }),
          fileMeta({ hostname: 'two', sha256: a.sha, size: 1000 }),
          fileMeta({ hostname: 'two', sha256: b.sha, size: 3000 }),
        ];
        expectStatus(await api.post('/api/v1/files/batch', { files }), 200);
        const res = await api.as((await api.mintKey(['read'])).key).get('/api/v1/stats');
        expectStatus(res, 200);
        const nothingElse = { unreferenced_blobs: 0, unreferenced_bytes: 0, quarantined_blobs: 0 };
        expect(res.json()).toEqual({
          files: 4,
          hosts: 2,
          objects: 0,
          blobs: 2,
          stored_bytes: 4000,
          logical_bytes: 6000,
          dedup_ratio: 1.5,
          ...nothingElse,
        });
        // A takedown removes the bytes from the store; a deleted record no longer counts as current.
        expectStatus(await api.delete(`/api/v1/blobs/${b.sha}`), 204);
        expectStatus(await api.post('/api/v1/files/deleted', { hostname: 'one', filepaths: [files[0].filepath] }), 200);
        const after = await api.get('/api/v1/stats');
        expect(after.json()).toEqual({
          files: 3,
          hosts: 2,
          objects: 0,
          blobs: 1,
          stored_bytes: 1000,
          logical_bytes: 5000,
          dedup_ratio: 5,
          ...nothingElse,
        });
      } finally {
        await fresh.stop();
      }
    });
  });
});

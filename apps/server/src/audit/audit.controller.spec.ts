import { createHash } from 'node:crypto';
import { ADMIN_KEY, AppFixture, appFixture } from '../testing/app-fixture';

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('AuditController and the audit hooks (in process)', () => {
  let f: AppFixture;
  afterEach(() => f.close());

  const code = (res: { statusCode: number; json(): any }) => [res.statusCode, res.json().error?.code];
  const entries = async (query = '') => {
    const res = await f.request({ method: 'GET', url: `/api/v1/audit${query}` });
    expect(res.statusCode).toBe(200);
    return res.json().items as Array<Record<string, any>>;
  };

  describe('audit on (the default)', () => {
    beforeEach(async () => (f = await appFixture()));

    it('writes an entry before the answer of an upload, a download, a key creation and a refused key', async () => {
      const body = Buffer.from('audited content');
      const digest = sha(body);
      const writer = await f.key('write');
      const put = await f.request(
        { method: 'PUT', url: `/api/v1/blobs/${digest}`, payload: body, headers: { 'content-type': 'application/octet-stream' } },
        writer,
      );
      expect(put.statusCode).toBe(201);
      // Durable before the answer: the store holds it the moment the answer is in.
      const [stored] = (await f.metadata.listAuditEntries({ limit: 1 })).items;
      expect(stored).toMatchObject({ action: 'blob.put', status: 201, targets: [{ sha256: digest }], count: 1, bytes: body.length });
      const get = await f.request({ method: 'GET', url: `/api/v1/blobs/${digest}` }, writer);
      expect(get.statusCode).toBe(200);
      const refused = await f.request({ method: 'GET', url: `/api/v1/blobs/${digest}` }, 'not-a-key-at-all');
      expect(refused.statusCode).toBe(401);
      const forbidden = await f.request({ method: 'GET', url: '/api/v1/audit' }, writer);
      expect(forbidden.statusCode).toBe(403);

      const all = await entries();
      const keyId = (await f.request({ method: 'GET', url: '/api/v1/keys/me' }, writer)).json().id as string;
      expect(all.map((e) => [e.action, e.status])).toEqual([
        ['auth.refused', 403],
        ['auth.refused', 401],
        ['blob.get', 200],
        ['blob.put', 201],
        ['key.create', 201],
      ]);
      expect(all[0]).toMatchObject({ key_id: keyId, key_name: 'write', targets: [], count: 0 });
      expect(all[1]).toMatchObject({ key_id: null, key_name: null, targets: [], count: 0 });
      expect(all[2]).toMatchObject({ key_id: keyId, targets: [{ sha256: digest }], count: 1, bytes: body.length });
      expect(all[4]).toMatchObject({ key_name: 'bootstrap-admin', targets: [{ key_id: keyId }], count: 1, status: 201 });
      for (const entry of all) {
        expect(entry).toEqual({
          id: expect.any(String),
          at: expect.any(String),
          request_id: expect.any(String),
          key_id: entry.key_id,
          key_name: entry.key_name,
          ip: expect.any(String),
          action: entry.action,
          status: entry.status,
          bytes: entry.bytes,
          targets: entry.targets,
          count: entry.count,
          chain: all[0].chain,
          seq: expect.any(Number),
          prev_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
          hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        });
      }
      // No secret is ever written.
      const text = JSON.stringify(all);
      expect(text).not.toContain(writer);
      expect(text).not.toContain(ADMIN_KEY);
      expect(text).not.toContain('not-a-key-at-all');
      expect((await f.request({ method: 'GET', url: '/api/v1/audit/verify' })).json()).toEqual({ entries: 5, ok: true, first_bad: null });
    });

    it('records a batch of records with 1,000 targets kept (a path of each host, every digest, then paths) and every one counted', async () => {
      const files = Array.from({ length: 600 }, (_, i) => ({
        hostname: i === 300 ? 'web-2' : 'web-1',
        filepath: `/d/${i}`,
        sha256: sha(`c${i}`),
        size: 1,
      }));
      const res = await f.request({ method: 'POST', url: '/api/v1/files/batch', payload: { files } });
      expect(res.statusCode).toBe(200);
      const [entry] = await entries('?action=files.record');
      expect(entry.count).toBe(1200);
      expect(entry.targets).toHaveLength(1000);
      expect(entry.targets.slice(0, 3)).toEqual([
        { hostname: 'web-1', filepath: '/d/0' },
        { hostname: 'web-2', filepath: '/d/300' },
        { sha256: sha('c0') },
      ]);
      expect(entry.targets.slice(602)).toEqual(
        files
          .filter((_, i) => i !== 0 && i !== 300)
          .slice(0, 398)
          .map((file) => ({ hostname: file.hostname, filepath: file.filepath })),
      );
      for (const i of [0, 3, 300, 599]) expect((await entries(`?sha256=${sha(`c${i}`)}`)).map((e) => e.id)).toEqual([entry.id]);
      expect((await entries(`?hostname=web-1`)).map((e) => e.id)).toEqual([entry.id]);
      expect((await entries(`?hostname=web-2`)).map((e) => e.id)).toEqual([entry.id]);
    });

    it('filters exactly by digest, key and action, pages, and streams every match as NDJSON', async () => {
      const writer = await f.key('write');
      const writerId = (await f.request({ method: 'GET', url: '/api/v1/keys/me' }, writer)).json().id as string;
      const digests: string[] = [];
      for (let i = 0; i < 5; i++) {
        const body = Buffer.from(`content ${i}`);
        digests.push(sha(body));
        await f.request(
          { method: 'PUT', url: `/api/v1/blobs/${sha(body)}`, payload: body, headers: { 'content-type': 'application/octet-stream' } },
          writer,
        );
      }
      expect((await entries(`?sha256=${digests[2].toUpperCase()}`)).map((e) => e.targets)).toEqual([[{ sha256: digests[2] }]]);
      expect((await entries(`?key_id=${writerId}`)).map((e) => e.targets[0].sha256)).toEqual([...digests].reverse());
      expect((await entries('?action=key.create')).length).toBe(1);
      expect(await entries('?action=blob.get')).toEqual([]);
      const first = (await f.request({ method: 'GET', url: `/api/v1/audit?key_id=${writerId}&limit=3` })).json();
      expect(first.items).toHaveLength(3);
      const second = (
        await f.request({ method: 'GET', url: `/api/v1/audit?key_id=${writerId}&limit=3&cursor=${first.next_cursor}` })
      ).json();
      expect(second.items.map((e: any) => e.targets[0].sha256)).toEqual([digests[1], digests[0]]);
      expect(second.next_cursor).toBeNull();

      const ndjson = await f.request({
        method: 'GET',
        url: `/api/v1/audit?key_id=${writerId}`,
        headers: { accept: 'application/x-ndjson' },
      });
      expect(ndjson.statusCode).toBe(200);
      expect(ndjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
      const lines = ndjson.body
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines).toEqual([...first.items, ...second.items]);
    });

    it('records each action with its status, key and targets (one request each)', async () => {
      const body = Buffer.from('object content');
      const digest = sha(body);
      const octets = { 'content-type': 'application/octet-stream' };
      const cases: Array<[string, () => Promise<{ statusCode: number }>, string, number, object[]]> = [
        [
          'record one file',
          () =>
            f.request({
              method: 'POST',
              url: '/api/v1/files',
              payload: { hostname: 'web-1', filepath: '/a', sha256: digest, size: body.length },
            }),
          'files.record',
          201,
          [{ hostname: 'web-1', filepath: '/a' }, { sha256: digest }],
        ],
        [
          'store its content',
          () => f.request({ method: 'PUT', url: `/api/v1/blobs/${digest}`, payload: body, headers: octets }),
          'blob.put',
          201,
          [{ sha256: digest }],
        ],
        [
          'read it by path',
          () => f.request({ method: 'GET', url: '/api/v1/files/content?hostname=web-1&filepath=/a' }),
          'files.content',
          200,
          [{ hostname: 'web-1', filepath: '/a' }],
        ],
        [
          'delete one record by id: its path and content',
          async () => {
            const { id } = (
              await f.request({
                method: 'POST',
                url: '/api/v1/files',
                payload: { hostname: 'web-2', filepath: '/c', sha256: digest, size: body.length },
              })
            ).json();
            return f.request({ method: 'DELETE', url: `/api/v1/files/${id}` });
          },
          'files.delete',
          204,
          [{ hostname: 'web-2', filepath: '/c' }, { sha256: digest }],
        ],
        [
          'delete paths',
          () => f.request({ method: 'POST', url: '/api/v1/files/deleted', payload: { hostname: 'web-1', filepaths: ['/a', '/b'] } }),
          'files.delete',
          200,
          [
            { hostname: 'web-1', filepath: '/a' },
            { hostname: 'web-1', filepath: '/b' },
          ],
        ],
        [
          'put an object',
          () => f.request({ method: 'PUT', url: '/api/v1/objects/media/x/y.txt', payload: body, headers: octets }),
          'object.put',
          201,
          [{ bucket: 'media', key: 'x/y.txt' }, { sha256: digest }],
        ],
        [
          'get it',
          () => f.request({ method: 'GET', url: '/api/v1/objects/media/x/y.txt' }),
          'object.get',
          200,
          [{ bucket: 'media', key: 'x/y.txt' }, { sha256: digest }],
        ],
        [
          'delete it',
          () => f.request({ method: 'DELETE', url: '/api/v1/objects/media/x/y.txt' }),
          'object.delete',
          204,
          [{ bucket: 'media', key: 'x/y.txt' }],
        ],
        [
          'set retention',
          () =>
            f.request({ method: 'PUT', url: '/api/v1/retention', payload: { rules: [{ hostname: '*', path_prefix: '', keep_last: 3 }] } }),
          'retention.set',
          200,
          [],
        ],
        [
          'queue a job',
          () => f.request({ method: 'POST', url: '/api/v1/jobs', payload: { type: 'prune', dry_run: true } }),
          'job.create',
          202,
          [],
        ],
        [
          'open a scan',
          () =>
            f.request({
              method: 'POST',
              url: '/api/v1/scans',
              payload: { hostname: 'web-1', roots: ['/'], client: { name: 'hoard', version: '1' } },
            }),
          'scan.open',
          201,
          [],
        ],
        [
          'take content down',
          () => f.request({ method: 'DELETE', url: `/api/v1/blobs/${digest}` }),
          'blob.takedown',
          204,
          [{ sha256: digest }],
        ],
      ];
      for (const [what, send, action, status, targets] of cases) {
        const res = await send();
        expect([what, res.statusCode]).toEqual([what, status]);
        const [entry] = (await f.metadata.listAuditEntries({ limit: 1 })).items;
        expect([what, entry.action, entry.status, entry.key_name, entry.targets, entry.count]).toEqual([
          what,
          action,
          status,
          'bootstrap-admin',
          targets,
          targets.length,
        ]);
      }
      const revoked = await f.key('read');
      const id = (await f.request({ method: 'GET', url: '/api/v1/keys/me' }, revoked)).json().id as string;
      expect((await f.request({ method: 'DELETE', url: `/api/v1/keys/${id}` })).statusCode).toBe(204);
      const [entry] = (await f.metadata.listAuditEntries({ limit: 1 })).items;
      expect([entry.action, entry.targets]).toEqual(['key.revoke', [{ key_id: id }]]);
      // Listings and metadata reads are not audited.
      const before = (await f.metadata.listAuditEntries({ limit: 1000 })).items.length;
      await f.request({ method: 'GET', url: '/api/v1/files' });
      await f.request({ method: 'GET', url: '/api/v1/stats' });
      await f.request({ method: 'GET', url: '/api/v1/audit' });
      expect((await f.metadata.listAuditEntries({ limit: 1000 })).items.length).toBe(before);
    });

    it('refuses bad filters with 400', async () => {
      const bad = async (query: string) => code(await f.request({ method: 'GET', url: `/api/v1/audit${query}` }));
      expect(await bad('?nonsense=1')).toEqual([400, 'validation_failed']);
      expect(await bad('?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z')).toEqual([400, 'invalid_request']);
      expect(await bad('?since=yesterday')).toEqual([400, 'validation_failed']);
      expect(await bad('?sha256=abc')).toEqual([400, 'invalid_digest']);
      expect(await bad('?action=Blob%20Put')).toEqual([400, 'validation_failed']);
      expect(await bad('?limit=0')).toEqual([400, 'validation_failed']);
      expect(await bad('?cursor=bm9wZQ')).toEqual([400, 'invalid_request']);
    });
  });

  it('writes nothing with HOARD_AUDIT=off', async () => {
    f = await appFixture({ HOARD_AUDIT: 'off' });
    await f.key('write');
    expect(await entries()).toEqual([]);
    expect((await f.request({ method: 'GET', url: '/api/v1/audit/verify' })).json()).toEqual({ entries: 0, ok: true, first_bad: null });
  });
});

import { EMPTY_SHA, expectError, expectStatus, fileMeta, Http, randomContent, useServerWithKeys } from './support/http';

describe('server: confirming unchanged files by id (POST /api/v1/files/seen)', () => {
  let writer: Http;
  let reader: Http;
  useServerWithKeys((s) => ({ writer, reader } = s));

  it('refreshes last_seen_at of current records and names the stale ones and those whose content is missing', async () => {
    const stored = randomContent(100);
    expectStatus(await writer.put(`/api/v1/blobs/${stored.sha}`, stored.data), 201);
    const lacking = randomContent(50);
    const files = [
      fileMeta({ sha256: stored.sha, size: 100 }),
      fileMeta({ sha256: lacking.sha, size: 50 }),
      fileMeta({ sha256: EMPTY_SHA, size: 0 }),
      fileMeta({ sha256: stored.sha, size: 100 }),
      fileMeta({ sha256: stored.sha, size: 100, hostname: 'host-b' }),
    ];
    const batch = await writer.post('/api/v1/files/batch', { files });
    expectStatus(batch, 200);
    const ids: string[] = batch.json().results.map((r: { id: string }) => r.id);
    const before = (await reader.get(`/api/v1/files/${ids[0]}`)).json();
    const otherHostBefore = (await reader.get(`/api/v1/files/${ids[4]}`)).json();
    expectStatus(await writer.delete(`/api/v1/files/${ids[3]}`), 204);
    await new Promise((r) => setTimeout(r, 20));

    const res = await writer.post('/api/v1/files/seen', { hostname: 'host-a', ids: [...ids, ids[0], 'nope'] });
    expectStatus(res, 200);
    expect(res.json()).toEqual({ seen: 3, stale: [ids[3], ids[4], 'nope'], upload_required: [ids[1]] });
    const after = (await reader.get(`/api/v1/files/${ids[0]}`)).json();
    expect(Date.parse(after.last_seen_at)).toBeGreaterThan(Date.parse(before.last_seen_at));
    expect(after.first_seen_at).toBe(before.first_seen_at);
    expect((await reader.get(`/api/v1/files/${ids[4]}`)).json().last_seen_at).toBe(otherHostBefore.last_seen_at);
  });

  it('needs the write scope and a valid body', async () => {
    expectError(await reader.post('/api/v1/files/seen', { hostname: 'h', ids: ['1'] }), 403, 'forbidden');
    expectError(await writer.post('/api/v1/files/seen', { hostname: 'h', ids: [] }), 400, 'validation_failed');
    expectError(await writer.post('/api/v1/files/seen', { ids: ['1'] }), 400, 'validation_failed');
    const tooMany = Array.from({ length: 1001 }, (_, i) => String(i + 1));
    expectError(await writer.post('/api/v1/files/seen', { hostname: 'h', ids: tooMany }), 400, 'validation_failed');
  });
});

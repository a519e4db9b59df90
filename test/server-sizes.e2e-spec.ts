import { expectError, expectStatus, fileMeta, Http, randomContent, useServerWithKeys } from './support/http';

describe("server: a record's size is its content's size", () => {
  let writer: Http;
  useServerWithKeys((s) => ({ writer } = s));

  it('refuses a record, a batch item or a PutPlace record naming stored content with another size, and records nothing', async () => {
    const { data, sha } = randomContent(15);
    await writer.upload(data);
    const meta = fileMeta({ hostname: 'h-sizes', sha256: sha, size: 9_007_199_254_740_991 });
    const single = expectError(await writer.post('/api/v1/files', meta), 400, 'validation_failed');
    expect(single.details.fields).toEqual([{ field: 'size', errors: ['size must be 15: the content of this digest is 15 bytes long'] }]);
    const ok = fileMeta({ hostname: 'h-sizes', sha256: sha, size: 15 });
    const batch = expectError(await writer.post('/api/v1/files/batch', { files: [ok, meta] }), 400, 'validation_failed');
    expect(batch.details.fields.map((f: { field: string }) => f.field)).toEqual(['files.1.size']);
    const legacy = { hostname: 'h-sizes', filepath: '/legacy', sha256: sha, file_size: 16 };
    expectError(await writer.post('/put_file', legacy), 400, 'validation_failed');
    expect((await writer.get('/api/v1/files', { query: { hostname: 'h-sizes' } })).json().items).toEqual([]);
  });

  it('corrects the sizes recorded before the content was stored, so /stats counts true bytes', async () => {
    const before = (await writer.get('/api/v1/stats')).json();
    const { data, sha } = randomContent(15);
    const recorded = await writer.post('/api/v1/files', fileMeta({ hostname: 'h-later', sha256: sha, size: 9_007_199_254_740_991 }));
    expectStatus(recorded, 201);
    await writer.upload(data);
    expect((await writer.get(`/api/v1/files/${recorded.json().id}`)).json()).toMatchObject({ size: 15, content_available: true });
    const after = (await writer.get('/api/v1/stats')).json();
    expect(after.logical_bytes - before.logical_bytes).toBe(15);
  });
});

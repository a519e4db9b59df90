import { AppFixture, appFixture } from '../testing/app-fixture';
import { content } from '../testing/service-fixtures';

describe('FilesController (in process)', () => {
  let f: AppFixture;
  let writer: string;
  beforeEach(async () => {
    f = await appFixture();
    writer = await f.key('write');
  });
  afterEach(() => f.close());

  const record = (payload: object) => f.request({ method: 'POST', url: '/api/v1/files', payload }, writer);

  it('records a file (201, then 200 unchanged), asking for its content until it is uploaded', async () => {
    const { bytes, sha } = content(64);
    const file = { hostname: 'h', filepath: '/a', sha256: sha, size: 64 };
    const first = await record(file);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ version: 1, upload_required: true, upload_url: `/api/v1/blobs/${sha}`, content_available: false });
    await f.request(
      { method: 'PUT', url: `/api/v1/blobs/${sha}`, payload: bytes, headers: { 'content-type': 'application/octet-stream' } },
      writer,
    );
    const again = await record(file);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: first.json().id, upload_required: false, upload_url: null, content_available: true });
    const content_ = await f.request({ method: 'GET', url: '/api/v1/files/content?hostname=h&filepath=%2Fa' }, writer);
    expect(content_.rawPayload.equals(bytes)).toBe(true);
  });

  it("refuses a size that is not the stored content's, and a record without a digest, with 400 naming the field", async () => {
    const { bytes, sha } = content(8);
    await f.request(
      { method: 'PUT', url: `/api/v1/blobs/${sha}`, payload: bytes, headers: { 'content-type': 'application/octet-stream' } },
      writer,
    );
    const wrong = await record({ hostname: 'h', filepath: '/a', sha256: sha, size: 9 });
    expect([wrong.statusCode, wrong.json().error.details.fields[0].field]).toEqual([400, 'size']);
    const bare = await record({ hostname: 'h', filepath: '/a', size: 9 });
    expect([bare.statusCode, bare.json().error.code]).toEqual([400, 'validation_failed']);
    expect((await f.request({ method: 'GET', url: '/api/v1/files' }, writer)).json().items).toEqual([]);
  });

  it('answers a batch per record in order, and deletes a record for good from the listing (404 after)', async () => {
    const [a, b] = [content(3), content(4)];
    const batch = await f.request(
      {
        method: 'POST',
        url: '/api/v1/files/batch',
        payload: {
          files: [
            { hostname: 'h', filepath: '/a', sha256: a.sha, size: 3 },
            { hostname: 'h', filepath: '/b', sha256: b.sha, size: 4 },
          ],
        },
      },
      writer,
    );
    const items = batch.json().results as Array<{ id: string; index: number; status: string }>;
    expect(items.map((i) => [i.index, i.status])).toEqual([
      [0, 'created'],
      [1, 'created'],
    ]);
    expect((await f.request({ method: 'DELETE', url: `/api/v1/files/${items[0].id}` }, writer)).statusCode).toBe(204);
    expect(
      (await f.request({ method: 'GET', url: '/api/v1/files' }, writer)).json().items.map((r: { filepath: string }) => r.filepath),
    ).toEqual(['/b']);
    expect((await f.request({ method: 'DELETE', url: '/api/v1/files/f_unknown' }, writer)).statusCode).toBe(404);
  });
});

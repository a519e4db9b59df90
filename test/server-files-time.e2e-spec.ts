import { EMPTY_SHA, expectError, expectStatus, fileMeta, Http, useServerWithKeys } from './support/http';

/** Resolves once this machine's clock (the server's too) is past `iso`, so that what is recorded next is later. */
async function clockPast(iso: string): Promise<void> {
  while (Date.now() <= Date.parse(iso)) await new Promise((resolve) => setImmediate(resolve));
}

/** The second milestone's additions to file records: symlinks, path prefixes as paths, listings at a time. */
describe('server: symlink records, path prefixes, listings at a time', () => {
  let admin: Http;
  let writer: Http;
  let reader: Http;
  useServerWithKeys((s) => ({ admin, writer, reader } = s));

  const paths = async (query: Record<string, string | boolean>) => {
    const res = await reader.get('/api/v1/files', { query });
    expectStatus(res, 200);
    return res.json().items.map((r: { filepath: string; version: number }) => `${r.filepath}:v${r.version}`);
  };

  it('records a symlink with its target, no content needed, and a new target as a new version', async () => {
    const link = { hostname: 'h-links', filepath: '/l/link', sha256: EMPTY_SHA, size: 0, type: 'symlink', link_target: '../target' };
    const first = await writer.post('/api/v1/files', link);
    expectStatus(first, 201);
    expect(first.json()).toMatchObject({ type: 'symlink', link_target: '../target', upload_required: false, content_available: true });
    const batch = await writer.post('/api/v1/files/batch', {
      files: [{ ...link, link_target: '/elsewhere' }, fileMeta({ hostname: 'h-links', filepath: '/l/file' })],
    });
    expectStatus(batch, 200);
    expect(batch.json().results.map((r: { status: string }) => r.status)).toEqual(['created', 'created']);
    const history = await reader.get('/api/v1/files/history', { query: { hostname: 'h-links', filepath: '/l/link' } });
    expect(history.json().items.map((r: { version: number; link_target: string }) => [r.version, r.link_target])).toEqual([
      [2, '/elsewhere'],
      [1, '../target'],
    ]);
    const file = (await reader.get('/api/v1/files', { query: { hostname: 'h-links', path_prefix: '/l/file' } })).json().items[0];
    expect(file).toMatchObject({ type: 'file', link_target: null });
  });

  it('refuses a symlink with content or without a target, and a file with a target, naming each field', async () => {
    const link = { hostname: 'h-bad', filepath: '/b/link', sha256: EMPTY_SHA, size: 0, type: 'symlink', link_target: 't' };
    const withContent = await writer.post('/api/v1/files', { ...link, sha256: 'ab'.repeat(32), size: 3 });
    expect(expectError(withContent, 400, 'validation_failed').details.fields.map((f: { field: string }) => f.field)).toEqual([
      'sha256',
      'size',
    ]);
    const { link_target: _t, ...noTarget } = link;
    const batch = await writer.post('/api/v1/files/batch', {
      files: [fileMeta({ hostname: 'h-bad' }), noTarget, fileMeta({ hostname: 'h-bad', link_target: 'x' })],
    });
    expect(expectError(batch, 400, 'validation_failed').details.fields.map((f: { field: string }) => f.field)).toEqual([
      'files.1.link_target',
      'files.2.link_target',
    ]);
    expectError(await writer.post('/api/v1/files', { ...link, type: 'fifo' }), 400, 'validation_failed');
    expect(await paths({ hostname: 'h-bad' })).toEqual([]);
  });

  it('takes path_prefix as a directory or a file when listing and when deleting', async () => {
    const files = ['/t/tree', '/t/tree/a', '/t/tree2/b', '/t/treeX'].map((filepath) => fileMeta({ hostname: 'h-prefix', filepath }));
    expectStatus(await writer.post('/api/v1/files/batch', { files }), 200);
    expect(await paths({ hostname: 'h-prefix', path_prefix: '/t/tree' })).toEqual(['/t/tree:v1', '/t/tree/a:v1']);
    const deleted = await admin.delete('/api/v1/files', { query: { hostname: 'h-prefix', path_prefix: '/t/tree' } });
    expectStatus(deleted, 200);
    expect(deleted.json()).toEqual({ deleted: 2 });
    expect(await paths({ hostname: 'h-prefix' })).toEqual(['/t/tree2/b:v1', '/t/treeX:v1']);
  });

  it('lists records as they were at a time: the version current then, deleted paths included, later ones left out', async () => {
    const host = 'h-time';
    expectStatus(await writer.post('/api/v1/files', fileMeta({ hostname: host, filepath: '/d/b' })), 201);
    const a1 = await writer.post('/api/v1/files', fileMeta({ hostname: host, filepath: '/d/a' }));
    const between = a1.json().first_seen_at;
    await clockPast(between);
    expectStatus(await writer.post('/api/v1/files', fileMeta({ hostname: host, filepath: '/d/a' })), 201);
    expectStatus(await writer.post('/api/v1/files/deleted', { hostname: host, filepaths: ['/d/b'] }), 200);
    expectStatus(await writer.post('/api/v1/files', fileMeta({ hostname: host, filepath: '/d/c' })), 201);
    expect(await paths({ hostname: host, at: between })).toEqual(['/d/b:v1', '/d/a:v1']);
    expect(await paths({ hostname: host })).toEqual(['/d/a:v2', '/d/c:v1']);
    expect(await paths({ hostname: host, at: '2000-01-01T00:00:00Z' })).toEqual([]);
    const bad = await reader.get('/api/v1/files', { query: { at: 'yesterday' } });
    expect(expectError(bad, 400, 'validation_failed').details.fields.map((f: { field: string }) => f.field)).toEqual(['at']);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { EMPTY_SHA256, HoardError } from '@app/contracts';
import { HoardClient } from '@app/client';
import { RunningServer, startServer } from './support/server';

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const text = async (body: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: HoardError) => e,
  );

describe('HoardClient against the real server (every route the CLI speaks)', () => {
  let server: RunningServer;
  let sut: HoardClient;
  const content = randomBytes(300_000);
  const sha = digest(content);

  beforeAll(async () => {
    server = await startServer();
    sut = new HoardClient({ baseUrl: server.url, apiKey: server.adminKey, retries: 1 });
  });
  afterAll(async () => {
    await sut?.close();
    await server?.stop();
  });

  it('answers the public routes', async () => {
    expect(await sut.health()).toEqual({ status: 'ok' });
    expect(await sut.ready()).toMatchObject({ status: 'ok' });
    expect(await sut.info()).toMatchObject({ name: 'hoard', docs: '/docs' });
    expect(await sut.metrics()).toMatch(/hoard_http_requests_total/);
  });

  it('uploads from a stream factory, then heads, gets, ranges and conditionally gets the blob', async () => {
    expect(await sut.missingBlobs([sha, EMPTY_SHA256])).toEqual([sha]);
    expect(await sut.putBlob(sha, () => Readable.from([content.subarray(0, 1000), content.subarray(1000)]), content.length)).toEqual({
      sha256: sha,
      size: content.length,
      created: true,
    });
    expect((await sut.putBlob(sha, () => content)).created).toBe(false);
    expect(await sut.headBlob(sha.toUpperCase())).toEqual({ size: content.length, etag: `"${sha}"` });
    const whole = await sut.getBlob(sha);
    expect([whole.status, whole.totalSize, (await text(whole.body)).equals(content)]).toEqual([200, content.length, true]);
    const part = await sut.getBlob(sha, { range: { start: 10, end: 19 } });
    expect([part.status, part.length, part.totalSize]).toEqual([206, 10, content.length]);
    expect((await text(part.body)).equals(content.subarray(10, 20))).toBe(true);
    const same = await sut.getBlob(sha, { ifNoneMatch: `"${sha}"` });
    await text(same.body);
    expect(same.status).toBe(304);
    const bad = await failure(sut.getBlob(sha, { range: { start: content.length + 10 } }));
    expect([bad.code, bad.status]).toEqual(['range_not_satisfiable', 416]);
  });

  it('sends small files in one pack, read whole into its body; a file that cannot be read is left out with its own error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hoard-client-pack-'));
    try {
      const file = (name: string, data: string) => {
        writeFileSync(join(dir, name), data);
        return { sha256: digest(Buffer.from(data)), path: join(dir, name), size: data.length };
      };
      const fresh = file('fresh', 'pack-fresh');
      const stored = file('stored', 'pack-stored');
      await sut.putBlob(stored.sha256, () => Buffer.from('pack-stored'));
      const gone = { ...file('gone', 'pack-gone'), path: join(dir, 'nowhere') };
      const grown = file('grown', 'pack-grown');
      writeFileSync(grown.path, 'pack-grown-longer');
      const wrong = { ...file('wrong', 'pack-wrong'), sha256: digest(Buffer.from('something else')) };
      const results = await sut.putBlobPack([fresh, stored, gone, grown, wrong]);
      expect(results.slice(0, 2)).toEqual([
        { sha256: fresh.sha256, size: fresh.size, created: true },
        { sha256: stored.sha256, size: stored.size, created: false },
      ]);
      const errors = results
        .slice(2)
        .map((r) => ('error' in r ? [(r.error as NodeJS.ErrnoException).code, r.error instanceof HoardError] : r));
      expect(errors).toEqual([
        ['ENOENT', false],
        ['digest_mismatch', true],
        ['digest_mismatch', true],
      ]);
      expect(await sut.missingBlobs([fresh.sha256, gone.sha256, grown.sha256, wrong.sha256])).toEqual([
        gone.sha256,
        grown.sha256,
        wrong.sha256,
      ]);
      const none = await sut.putBlobPack([gone]);
      expect(none.map((r) => 'error' in r && (r.error as NodeJS.ErrnoException).code)).toEqual(['ENOENT']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rebuilds error bodies: digest mismatch, invalid digest, not found, unauthorized', async () => {
    const other = digest(Buffer.from('other'));
    const mismatch = await failure(sut.putBlob(other, () => Buffer.from('not other')));
    expect([mismatch.code, mismatch.status]).toEqual(['digest_mismatch', 422]);
    expect((await failure(sut.headBlob(other))).code).toBe('not_found');
    expect((await failure(sut.getBlob('xyz'))).code).toBe('invalid_digest');
    const anonymous = new HoardClient({ baseUrl: server.url, apiKey: 'hk_nope', retries: 0 });
    const refused = await failure(anonymous.stats());
    await anonymous.close();
    expect([refused.code, refused.status]).toEqual(['unauthorized', 401]);
  });

  it('records files one by one and in batches, lists them page by page, and reads history and content', async () => {
    const base = { hostname: 'client-host', size: content.length, sha256: sha, mode: 0o100644, mtime: 1_700_000_000.5 };
    const one = await sut.recordFile({ ...base, filepath: '/c/one' });
    expect([one.version, one.upload_required]).toEqual([1, false]);
    const results = await sut.recordBatch(Array.from({ length: 5 }, (_, i) => ({ ...base, filepath: `/c/many/${i}` })));
    expect(results.map((r) => [r.index, r.status])).toEqual([0, 1, 2, 3, 4].map((i) => [i, 'created']));
    const paths: string[] = [];
    for await (const r of sut.iterateFiles({ hostname: 'client-host', limit: 2 })) paths.push(r.filepath);
    expect(paths.sort()).toEqual(['/c/many/0', '/c/many/1', '/c/many/2', '/c/many/3', '/c/many/4', '/c/one']);
    expect((await sut.getFile(one.id)).filepath).toBe('/c/one');
    expect((await sut.fileHistory('client-host', '/c/one')).map((r) => r.version)).toEqual([1]);
    const body = await sut.fileContent('client-host', '/c/one', { range: { start: 0, end: 3 } });
    expect((await text(body.body)).equals(content.subarray(0, 4))).toBe(true);
    expect((await sut.blobFiles(sha))[0].filepath).toBe('/c/one');
    expect(await sut.markDeleted('client-host', ['/c/many/0'])).toBe(1);
    await sut.deleteFile(results[1].id);
    expect(await sut.deleteFilesByPrefix('client-host', '/c/many/')).toBe(3);
    const left: string[] = [];
    for await (const r of sut.iterateFiles({ hostname: 'client-host' })) left.push(r.filepath);
    expect(left).toEqual(['/c/one']);
  });

  it('speaks the PutPlace routes: put_file, multipart upload_file, get_file, api_keys', async () => {
    const data = randomBytes(50_000);
    const d = digest(data);
    const rec = await sut.putFile({ filepath: '/p/x', hostname: 'pp', sha256: d, file_size: data.length, file_mode: 0o100600 });
    expect([rec.size, rec.mode, rec.upload_required, rec.upload_url]).toEqual([data.length, 0o100600, true, `/upload_file/${d}`]);
    expect(await sut.uploadFile(d, () => Readable.from([data]), 'x.bin')).toEqual({ sha256: d, size: data.length, created: true });
    expect((await sut.getFileBySha(d)).filepath).toBe('/p/x');
    const key = await sut.legacyCreateKey({ name: 'pp-key', scopes: ['read'] });
    expect((await sut.legacyListKeys()).map((k) => k.id)).toContain(key.id);
    await sut.legacyRevokeKey(key.id);
    await sut.legacyDeleteKey(key.id);
  });

  it('administers keys and reads stats; deleting content makes it gone', async () => {
    const key = await sut.createKey({ name: 'k1', scopes: ['read', 'write'] });
    const asKey = new HoardClient({ baseUrl: server.url, apiKey: key.key });
    expect(await asKey.me()).toEqual({ id: key.id, name: 'k1', scopes: ['read', 'write'], hostnames: [], buckets: [] });
    expect((await sut.listKeys()).find((k) => k.id === key.id)?.revoked_at).toBeNull();
    await sut.revokeKey(key.id);
    expect((await failure(asKey.me())).code).toBe('unauthorized');
    await asKey.close();
    const stats = await sut.stats();
    expect(stats.blobs).toBeGreaterThanOrEqual(2);
    await sut.deleteBlob(sha);
    expect((await failure(sut.getBlob(sha))).code).toBe('gone');
  });
});

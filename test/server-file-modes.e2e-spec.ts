import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunningServer, startServer, tempDir } from './support/server';
import { blobPath, expectStatus, Http, randomContent } from './support/http';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('server: files on disk under umask 022', () => {
  let server: RunningServer;
  let admin: Http;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = join(tempDir(), 'data'); // not there yet: the server creates it
    server = await startServer({
      dataDir,
      env: { HOARD_BOOTSTRAP_ADMIN_KEY: undefined },
      wrap: ['sh', '-c', 'umask 022 && exec "$0" "$@"'],
    });
    admin = new Http(server.url, readFileSync(join(dataDir, 'admin.key'), 'utf8').trim());
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps the data dir 0700, the database, its WAL and shared memory and admin.key 0600, blobs 0400, packs and unfinished uploads 0600 in 0700 directories', async () => {
    // Over the pack threshold (1 MiB): stored loose.
    const { data, sha } = randomContent(2 << 20);
    expectStatus(await admin.put(`/api/v1/blobs/${sha}`, data), 201);
    const small = randomContent(1000);
    expectStatus(await admin.put(`/api/v1/blobs/${small.sha}`, small.data), 201);
    const tus = await admin.call('POST', '/api/v1/uploads', {
      headers: {
        'tus-resumable': '1.0.0',
        'upload-length': '10',
        'upload-metadata': `sha256 ${Buffer.from(small.sha).toString('base64')}`,
      },
    });
    expectStatus(tus, 201);
    const upload = join(dataDir, 'uploads', tus.header('location').split('/').pop()!);
    const packsDir = join(dataDir, 'blobs', 'packs');
    const [packPrefix] = readdirSync(packsDir);
    const [pack] = readdirSync(join(packsDir, packPrefix));
    const paths = {
      'data dir': dataDir,
      'hoard.db': join(dataDir, 'hoard.db'),
      'hoard.db-wal': join(dataDir, 'hoard.db-wal'),
      'hoard.db-shm': join(dataDir, 'hoard.db-shm'),
      'admin.key': join(dataDir, 'admin.key'),
      blobs: join(dataDir, 'blobs'),
      '.tmp': join(dataDir, 'blobs', '.tmp'),
      '.quarantine': join(dataDir, 'blobs', '.quarantine'),
      prefix: join(dataDir, 'blobs', sha.slice(0, 2)),
      blob: blobPath(dataDir, sha),
      packs: packsDir,
      'pack prefix': join(packsDir, packPrefix),
      pack: join(packsDir, packPrefix, pack),
      uploads: join(dataDir, 'uploads'),
      upload,
      'upload info': `${upload}.json`,
    };
    const modes = Object.fromEntries(Object.entries(paths).map(([name, path]) => [name, mode(path).toString(8)]));
    expect(modes).toEqual({
      'data dir': '700',
      'hoard.db': '600',
      'hoard.db-wal': '600',
      'hoard.db-shm': '600',
      'admin.key': '600',
      blobs: '700',
      '.tmp': '700',
      '.quarantine': '700',
      prefix: '700',
      blob: '400',
      packs: '700',
      'pack prefix': '700',
      pack: '600',
      uploads: '700',
      upload: '600',
      'upload info': '600',
    });
  });

  it('registers a loose blob file linked but never registered (a kill -9 between the two) when its digest is uploaded again', async () => {
    // Loose content (over the pack threshold): a small digest never registered is packed anew instead (docs/packs.md).
    const size = 2 * 1024 * 1024;
    const { data, sha } = randomContent(size);
    const source = join(tempDir(), 'verified');
    writeFileSync(source, data);
    const target = blobPath(dataDir, sha);
    mkdirSync(join(dataDir, 'blobs', sha.slice(0, 2)), { recursive: true });
    copyFileSync(source, target);
    chmodSync(target, 0o400);
    expect((await admin.post('/api/v1/blobs/missing', { sha256: [sha] })).json()).toEqual({ missing: [sha] });
    const res = await admin.put(`/api/v1/blobs/${sha}`, data);
    expectStatus(res, 200);
    expect(res.json()).toEqual({ sha256: sha, size, created: false });
    expect((await admin.post('/api/v1/blobs/missing', { sha256: [sha] })).json()).toEqual({ missing: [] });
    expect((await admin.get(`/api/v1/blobs/${sha}`)).body.equals(data)).toBe(true);
  });
});

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LOOSE_BLOBS, startServer } from './support/server';
import { blobFilesOnDisk, blobPath, expectError, expectStatus, fileMeta, Http, randomContent } from './support/http';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function residentMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) / 1024;
}

/** An endless upload body of 1 MiB pieces, counting what it sent. */
function slowBody(counter: { sent: number }, limit: number, pauseMs = 5): Readable {
  const piece = randomContent(MiB).data;
  return Readable.from(
    (async function* () {
      while (counter.sent < limit) {
        counter.sent += piece.length;
        yield piece;
        await sleep(pauseMs);
      }
    })(),
  );
}

describe('server: durability across kills and restarts', () => {
  it('kill -9 during a large upload leaves no visible blob; the next start removes the temp file', async () => {
    const first = await startServer();
    const dataDir = first.dataDir;
    const writer = new Http(first.url, first.adminKey);
    const recorded = await writer.post('/api/v1/files', fileMeta({ hostname: 'before-kill' }));
    expectStatus(recorded, 201);
    const { sha } = randomContent(16);
    const declared = 512 * MiB;
    const counter = { sent: 0 };
    const body = slowBody(counter, declared);
    const upload = writer.put(`/api/v1/blobs/${sha}`, body, { headers: { 'content-length': String(declared) } }).then(
      (res) => `answered ${res.status}`,
      (err: Error) => `failed: ${err.message}`,
    );
    const tmpDir = join(dataDir, 'blobs', '.tmp');
    let tmpSize = 0;
    for (let i = 0; i < 1000 && tmpSize < 96 * MiB; i++) {
      await sleep(20);
      const temps = blobFilesOnDisk(dataDir).filter((f) => f.startsWith('.tmp/'));
      tmpSize = temps.length === 1 ? statSync(join(dataDir, 'blobs', temps[0])).size : 0;
    }
    expect(tmpSize).toBeGreaterThanOrEqual(96 * MiB);
    // Streamed, not buffered: after ~100 MiB went through, the process is still small.
    expect(residentMiB(first.proc.pid!)).toBeLessThan(200);
    await first.kill();
    expect(first.proc.signalCode).toBe('SIGKILL');
    expect(await upload).toMatch(/^failed: /);
    expect(counter.sent).toBeLessThan(declared);

    // What the crash left: a temp file, and no blob under the digest.
    expect(blobFilesOnDisk(dataDir).filter((f) => f.startsWith('.tmp/'))).toHaveLength(1);
    expect(existsSync(blobPath(dataDir, sha))).toBe(false);

    const second = await startServer({ dataDir, env: { HOARD_BOOTSTRAP_ADMIN_KEY: first.adminKey } });
    try {
      expect(existsSync(tmpDir)).toBe(true);
      expect(blobFilesOnDisk(dataDir)).toEqual([]);
      const api = new Http(second.url, second.adminKey);
      expect((await api.head(`/api/v1/blobs/${sha}`)).status).toBe(404);
      expect((await api.post('/api/v1/blobs/missing', { sha256: [sha] })).json()).toEqual({ missing: [sha] });
      const listed = (await api.get('/api/v1/files', { query: { hostname: 'before-kill' } })).json().items;
      expect(listed.map((i: any) => i.id)).toEqual([recorded.json().id]);
    } finally {
      await second.stop();
    }
  });

  it('exits 1 when an upload outlasts HOARD_SHUTDOWN_TIMEOUT_MS after SIGTERM, storing nothing of it', async () => {
    const first = await startServer({ env: { HOARD_SHUTDOWN_TIMEOUT_MS: '700' } });
    const writer = new Http(first.url, first.adminKey);
    const { sha } = randomContent(16);
    const declared = 256 * MiB;
    const counter = { sent: 0 };
    const upload = writer
      .put(`/api/v1/blobs/${sha}`, slowBody(counter, declared, 20), { headers: { 'content-length': String(declared) } })
      .then(
        (res) => `answered ${res.status}`,
        (err: Error) => `failed: ${err.message}`,
      );
    for (let i = 0; i < 250 && !blobFilesOnDisk(first.dataDir).some((f) => f.startsWith('.tmp/')); i++) await sleep(20);
    const exit = new Promise<number | null>((resolve) => first.proc.once('exit', resolve));
    const signalledAt = Date.now();
    first.proc.kill('SIGTERM');
    expect(await exit).toBe(1);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(650);
    expect(await upload).toMatch(/^failed: /);
    expect(counter.sent).toBeLessThan(declared);
    expect(first.output()).toMatch(/shutdown took longer than 700 ms/);
    expect(existsSync(blobPath(first.dataDir, sha))).toBe(false);
    const second = await startServer({ dataDir: first.dataDir });
    try {
      expect(blobFilesOnDisk(first.dataDir)).toEqual([]);
      expect((await new Http(second.url, second.adminKey).head(`/api/v1/blobs/${sha}`)).status).toBe(404);
    } finally {
      await second.stop();
    }
  });

  it('does not bring a revoked bootstrap admin key back on restart', async () => {
    const first = await startServer();
    const bootstrap = new Http(first.url, first.adminKey);
    const other = await bootstrap.mintKey(['admin'], 'second-admin');
    const me = (await bootstrap.get('/api/v1/keys/me')).json();
    expectStatus(await bootstrap.as(other.key).delete(`/api/v1/keys/${me.id}`), 204);
    expectError(await bootstrap.get('/api/v1/keys/me'), 401, 'unauthorized');
    expect(await first.stop()).toBe(0);
    const second = await startServer({ dataDir: first.dataDir, env: { HOARD_BOOTSTRAP_ADMIN_KEY: first.adminKey } });
    try {
      const api = new Http(second.url, first.adminKey);
      expectError(await api.get('/api/v1/keys/me'), 401, 'unauthorized');
      const keys = (await api.as(other.key).get('/api/v1/keys')).json();
      expect(keys.filter((k: any) => k.name === 'bootstrap-admin').map((k: any) => [k.id, typeof k.revoked_at])).toEqual([
        [me.id, 'string'],
      ]);
    } finally {
      await second.stop();
    }
  });

  it('keeps records, versions, blobs, takedowns and keys across a restart', async () => {
    const first = await startServer({ env: LOOSE_BLOBS });
    const dataDir = first.dataDir;
    const admin = new Http(first.url, first.adminKey);
    const kept = await admin.mintKey(['write'], 'kept');
    const revoked = await admin.mintKey(['read'], 'revoked');
    expectStatus(await admin.delete(`/api/v1/keys/${revoked.id}`), 204);
    const content = randomContent(70_000);
    const takenDown = randomContent(500);
    await admin.upload(content.data);
    await admin.upload(takenDown.data);
    expectStatus(await admin.delete(`/api/v1/blobs/${takenDown.sha}`), 204);
    const meta = fileMeta({ hostname: 'survivor', filepath: '/etc/hosts', sha256: takenDown.sha, size: 500 });
    expectStatus(await admin.post('/api/v1/files', meta), 201);
    expectStatus(await admin.post('/api/v1/files', { ...meta, sha256: content.sha, size: 70_000 }), 201);
    const batch = Array.from({ length: 50 }, (_, i) => fileMeta({ hostname: 'survivor', filepath: `/srv/${i}` }));
    expectStatus(await admin.post('/api/v1/files/batch', { files: batch }), 200);
    const before = {
      files: (await admin.get('/api/v1/files', { query: { include_deleted: true, limit: 1000 } })).json(),
      history: (await admin.get('/api/v1/files/history', { query: { hostname: 'survivor', filepath: '/etc/hosts' } })).json(),
      stats: (await admin.get('/api/v1/stats')).json(),
      keys: (await admin.get('/api/v1/keys')).json().map(({ last_used_at, ...k }: any) => k),
    };
    expect(before.files.items).toHaveLength(51);
    expect(await first.stop()).toBe(0);

    const second = await startServer({ dataDir, env: { ...LOOSE_BLOBS, HOARD_BOOTSTRAP_ADMIN_KEY: first.adminKey } });
    try {
      const api = new Http(second.url, second.adminKey);
      const after = {
        files: (await api.get('/api/v1/files', { query: { include_deleted: true, limit: 1000 } })).json(),
        history: (await api.get('/api/v1/files/history', { query: { hostname: 'survivor', filepath: '/etc/hosts' } })).json(),
        stats: (await api.get('/api/v1/stats')).json(),
        keys: (await api.get('/api/v1/keys')).json().map(({ last_used_at, ...k }: any) => k),
      };
      expect(after).toEqual(before);
      expect(after.history.items.map((i: any) => i.version)).toEqual([2, 1]);
      const got = await api.get(`/api/v1/blobs/${content.sha}`);
      expect(got.body.equals(content.data)).toBe(true);
      expect(readFileSync(blobPath(dataDir, content.sha)).equals(content.data)).toBe(true);
      expectError(await api.get(`/api/v1/blobs/${takenDown.sha}`), 410, 'gone');
      const me = await api.as(kept.key).get('/api/v1/keys/me');
      expectStatus(me, 200);
      expect(me.json()).toEqual({ id: kept.id, name: 'kept', scopes: ['write'], hostnames: [], buckets: [] });
      expectError(await api.as(revoked.key).get('/api/v1/keys/me'), 401, 'unauthorized');
      expect(after.keys.filter((k: any) => k.name === 'bootstrap-admin')).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});

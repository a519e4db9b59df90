import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { HoardClient } from '@app/client';
import type { RunningFerretDb, RunningMinio } from './support/test-servers';
import { describeOnFerretDb, describeOnMinio, minioClientConfig, mongoS3Env } from './support/backing-suites';
import { RunningServer, startServer } from './support/server';
import { expectError, expectStatus, Http, randomContent, sha256 } from './support/http';

/** Polls `read` until `holds`, or the deadline; the last answer either way. */
async function eventually<T>(read: () => Promise<T>, holds: (value: T) => boolean, deadlineMs = 15_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (holds(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const MiB = 1024 * 1024;
const object = (bucket: string, key: string) => `/api/v1/objects/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

describeOnFerretDb('objects on MongoDB (FerretDB) and S3 (MinIO), two instances', 'the objects suites on MongoDB and S3', (ferretdb) => {
  describeOnMinio('with MinIO', 'the objects suites on MongoDB and S3', (minioServer) => {
    let ferret: RunningFerretDb;
    let minio: RunningMinio;
    let servers: RunningServer[] = [];
    let a: Http;
    let b: Http;
    const bucket = `hoard-objects-${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      ferret = ferretdb();
      minio = minioServer();
      const env = {
        HOARD_BOOTSTRAP_ADMIN_KEY: `hk_objects_${randomBytes(24).toString('hex')}`,
        ...mongoS3Env(ferret, minio, `hoard_objects_${randomBytes(4).toString('hex')}`, bucket),
        S3_PREFIX: 'blobs/',
        S3_PART_SIZE: String(5 * MiB),
        HOARD_OBJECT_SWEEP_SECONDS: '1',
      };
      servers = [await startServer({ env }), await startServer({ env })];
      [a, b] = servers.map((s) => new Http(s.url, s.adminKey));
    }, 120_000);
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
    });

    async function storedKeys(): Promise<string[]> {
      const s3 = new S3Client(minioClientConfig(minio));
      try {
        const keys: string[] = [];
        let token: string | undefined;
        do {
          const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'blobs/', ContinuationToken: token }));
          keys.push(...(page.Contents ?? []).map((o) => o.Key!));
          token = page.NextContinuationToken;
        } while (token);
        return keys.sort();
      } finally {
        s3.destroy();
      }
    }

    it('stores small (packed) and large (multipart) objects once, served by either instance, versions and listing included', async () => {
      const small = randomContent(10_000);
      const large = randomContent(12 * MiB + 5);
      expectStatus(await a.put(object('backups', 'user-1/db.sqlite'), small.data), 201);
      expectStatus(await a.put(object('backups', 'user-1/db.sqlite'), large.data), 201);
      const before = await storedKeys();
      // The same content again, on the other instance, under another name: nothing more in the bucket.
      const again = await b.put(object('backups', 'user-2/db.sqlite'), large.data);
      expectStatus(again, 201);
      expect(await storedKeys()).toEqual(before);

      const latest = await b.get(object('backups', 'user-1/db.sqlite'));
      expect([latest.status, sha256(latest.body), latest.header('x-hoard-version')]).toEqual([200, large.sha, '2']);
      const range = await a.get(object('backups', 'user-1/db.sqlite'), { headers: { range: `bytes=${6 * MiB}-${6 * MiB + 99}` } });
      expect([range.status, range.body.equals(large.data.subarray(6 * MiB, 6 * MiB + 100)), range.header('content-range')]).toEqual([
        206,
        true,
        `bytes ${6 * MiB}-${6 * MiB + 99}/${large.data.length}`,
      ]);
      const cached = await b.get(object('backups', 'user-1/db.sqlite'), { headers: { 'if-none-match': `"${large.sha}"` } });
      const head = await a.head(object('backups', 'user-1/db.sqlite'));
      expect([cached.status, head.status, head.header('content-length'), head.header('etag')]).toEqual([
        304,
        200,
        String(large.data.length),
        `"${large.sha}"`,
      ]);
      expect(sha256((await a.get(object('backups', 'user-1/db.sqlite'), { query: { version: 1 } })).body)).toBe(small.sha);
      const versions = await a.get('/api/v1/objects/backups', { query: { key: 'user-1/db.sqlite', versions: true } });
      expect(versions.json().items.map((v: { version: number; size: number }) => [v.version, v.size])).toEqual([
        [2, large.data.length],
        [1, small.data.length],
      ]);
      const page1 = await b.get('/api/v1/objects/backups', { query: { prefix: 'user-', limit: 1 } });
      const page2 = await b.get('/api/v1/objects/backups', { query: { prefix: 'user-', limit: 1, cursor: page1.json().next_cursor } });
      // Ids order the listing: stable, though not by time across instances.
      expect([...page1.json().items, ...page2.json().items].map((o: { key: string }) => o.key).sort()).toEqual([
        'user-1/db.sqlite',
        'user-2/db.sqlite',
      ]);
      expect(page2.json().next_cursor).toBeNull();
    });

    it('delete-after-download: downloads begun at once on both instances both get the whole content; then 410 on both', async () => {
      const { data, sha } = randomContent(24 * MiB);
      const key = `job-${randomUUID()}.zip`;
      expectStatus(await a.put(object('results', key), data, { headers: { 'x-hoard-delete-after-download': 'true' } }), 201);
      const agent = new Agent({ connections: 4 });
      try {
        const heads = await Promise.all(
          servers.map((s) => request(`${s.url}${object('results', key)}`, { headers: { 'x-api-key': s.adminKey }, dispatcher: agent })),
        );
        expect(heads.map((h) => h.statusCode)).toEqual([200, 200]);
        const bodies = await Promise.all(heads.map(async (h) => Buffer.from(await h.body.arrayBuffer())));
        expect(bodies.map((body) => sha256(body))).toEqual([sha, sha]);
      } finally {
        await agent.close();
      }
      for (const http of [a, b]) {
        const gone = await eventually(
          () => http.get(object('results', key)),
          (res) => res.status === 410,
        );
        expectError(gone, 410, 'gone');
      }
      const versions = await b.get('/api/v1/objects/results', { query: { key, versions: true } });
      expect(versions.json().items.map((v: { deleted_at: string | null }) => v.deleted_at !== null)).toEqual([true]);
    });

    it('expires, deletes by prefix, and keeps a host and a bucket of one name apart, through the client', async () => {
      const client = new HoardClient({ baseUrl: servers[1].url, apiKey: servers[1].adminKey, retries: 0 });
      try {
        await client.putObject('shared', 'ws/1/a.txt', () => Buffer.from('a'), { ttlSeconds: 1 });
        await client.putObject('shared', 'ws/1/b.txt', () => Buffer.from('b'));
        await client.putObject('shared', 'ws/2/c.txt', () => Buffer.from('c'));
        await client.recordFile({ hostname: 'shared', filepath: '/ws/1/b.txt', sha256: sha256('b'), size: 1 });
        const expired = await eventually(
          () => client.objectVersions('shared', 'ws/1/a.txt'),
          (items) => items[0].deleted_at !== null,
        );
        expect(expired[0].deleted_at).not.toBeNull();
        await expect(client.headObject('shared', 'ws/1/a.txt')).rejects.toMatchObject({ code: 'gone' });
        expect(await client.deleteObjectsByPrefix('shared', 'ws/1/')).toBe(1);
        const left = [];
        for await (const o of client.iterateObjects('shared')) left.push(o.key);
        expect(left).toEqual(['ws/2/c.txt']);
        const files = await client.listFiles({ hostname: 'shared' });
        expect(files.items.map((f) => f.filepath)).toEqual(['/ws/1/b.txt']);
        expect((await client.stats()).hosts).toBe(1);
      } finally {
        await client.close();
      }
    });
  });
});

import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { FormData } from 'undici';
import { describeOnFerretDb, describeOnMinio, dropDatabase, minioClientConfig, mongoS3Env } from './support/backing-suites';
import { blobFilesOnDisk, blobPath, expectStatus, Http, randomContent, sha256 } from './support/http';
import { runJob } from './support/jobs';
import { type RunningServer, startServer, tempDir } from './support/server';

/** Content under 4 KiB is packed, larger content is loose; nothing is kept for a grace; uploads are not limited. */
const ENV = { HOARD_GC_GRACE_SECONDS: '0', HOARD_PACK_THRESHOLD: '4096', HOARD_MAX_UPLOADS_PER_KEY: '1024' };
const blob = (sha: string) => `/api/v1/blobs/${sha}`;

/** Where a scenario's blob store lives, and how a spec looks at it behind the server's back. */
interface Backing {
  /** Starts a server on this store; again after a stop, on the same data. */
  start(): Promise<RunningServer>;
  /** Bytes the blob store holds: loose blobs and packs (quarantined copies and temporary files aside). */
  storedBytes(): Promise<number>;
  /** Stores `data` under its digest without the server: what an upload that died before registering it leaves. */
  plantOrphan(sha: string, data: Buffer): Promise<void>;
  /** Local packs are filled across flushes and sealed by a restart; on S3 every flush seals its own pack. */
  local: boolean;
  /** Checks that every sealed pack left holds at least half live bytes (the rewrite setting's default). */
  checkPacks(): Promise<void>;
}

function packForm(parts: Array<{ sha: string; data: Buffer }>): FormData {
  const form = new FormData();
  for (const { sha, data } of parts) form.append(sha, new Blob([data]), sha);
  return form;
}

/**
 * Content uploaded and never recorded, records deleted (still records: their content stays), then pruned with an old
 * version, and an orphan left by an upload that died: GC with a grace of 0 removes exactly the unreferenced content,
 * frees the bytes it says, rewrites the pack the removed content left mostly dead, and every record's content is still
 * served whole. A dry run first reports the same and changes nothing.
 */
function describeGcScenario(name: string, backing: () => Backing): void {
  it(`${name}: removes exactly the unreferenced content and frees its bytes; a dry run changes nothing`, async () => {
    const store = backing();
    let server = await store.start();
    try {
      let api = new Http(server.url, server.adminKey);
      const small = (n: number) => Array.from({ length: n }, () => randomContent(3000));
      const [kept, dropped, deleted, [older, newer]] = [small(2), small(6), small(1), small(2)];
      const keptLarge = randomContent(6000);
      const droppedLarge = [randomContent(6000), randomContent(6000)];
      const packed = await api.post('/api/v1/blobs/pack', undefined, { body: packForm([...kept, ...dropped, ...deleted, older, newer]) });
      expectStatus(packed, 200);
      for (const c of [keptLarge, ...droppedLarge]) expectStatus(await api.put(blob(c.sha), c.data), 201);
      const record = (filepath: string, c: { sha: string; data: Buffer }) => ({
        hostname: 'h',
        filepath,
        sha256: c.sha,
        size: c.data.length,
      });
      const files = [
        record('/k0', kept[0]),
        record('/k1', kept[1]),
        record('/gone', deleted[0]),
        record('/large', keptLarge),
        record('/v', older),
      ];
      const batch = await api.post('/api/v1/files/batch', { files: [...files, record('/v', newer)] });
      expect(batch.json().results.map((r: { upload_required: boolean }) => r.upload_required)).toEqual(Array(6).fill(false));
      expectStatus(await api.post('/api/v1/files/deleted', { hostname: 'h', filepaths: ['/gone'] }), 200);
      const orphan = randomContent(5000);
      await store.plantOrphan(orphan.sha, orphan.data);
      if (store.local) {
        // The recovery at start seals the pack the previous run left open.
        await server.stop();
        server = await store.start();
        api = new Http(server.url, server.adminKey);
      }
      const stats = async () => (await api.get('/api/v1/stats')).json();
      expect(await stats()).toMatchObject({ blobs: 14, unreferenced_blobs: 8, unreferenced_bytes: 30_000, quarantined_blobs: 0 });
      // A deleted record and an old version are still records: only what was never recorded, and the orphan, would go.
      expect((await runJob(api, { type: 'gc', dry_run: true }, 120_000)).result).toMatchObject({ blobs_removed: 9 });

      // Retention keeps one version a path and forgets deleted paths at once: prune releases two more contents.
      const rules = [{ hostname: '*', path_prefix: '', keep_last: 1, keep_deleted_days: 0 }];
      expectStatus(await api.call('PUT', '/api/v1/retention', { json: { rules } }), 200);
      expect(await runJob(api, { type: 'prune' }, 120_000)).toMatchObject({ state: 'succeeded', result: { records_removed: 2 } });
      expect(await stats()).toMatchObject({ blobs: 14, unreferenced_blobs: 10, unreferenced_bytes: 36_000 });

      const before = await store.storedBytes();
      const dry = await runJob(api, { type: 'gc', dry_run: true }, 120_000);
      expect(dry).toMatchObject({ state: 'succeeded', dry_run: true, error: null });
      expect(await store.storedBytes()).toBe(before);
      expect(await stats()).toMatchObject({ blobs: 14, unreferenced_blobs: 10 });

      const run = await runJob(api, { type: 'gc' }, 120_000);
      expect(run).toMatchObject({ state: 'succeeded', error: null });
      expect(run.result).toEqual(dry.result);
      expect(run.result).toMatchObject({ blobs_removed: 11, orphans_adopted: 1 });
      expect(run.result!.packs_rewritten).toBeGreaterThanOrEqual(1);
      expect(before - (await store.storedBytes())).toBe(run.result!.bytes_freed);
      expect(run.progress.bytes).toBe(run.result!.bytes_freed);
      // On local disk the eleven small blobs shared one pack: 33,000 bytes, 9,000 of them still live.
      if (store.local)
        expect(run.result).toEqual({ blobs_removed: 11, bytes_freed: 12_000 + 5000 + 24_000, orphans_adopted: 1, packs_rewritten: 1 });
      await store.checkPacks();

      for (const c of [...kept, keptLarge, newer]) {
        const got = await api.get(blob(c.sha));
        expect([got.status, sha256(got.body)]).toEqual([200, c.sha]);
      }
      for (const c of [...dropped, ...droppedLarge, ...deleted, older, orphan]) expect((await api.get(blob(c.sha))).status).toBe(404);
      const listed = (await api.get('/api/v1/files', { query: { include_deleted: true } })).json().items;
      expect(listed.map((r: { filepath: string; content_available: boolean }) => [r.filepath, r.content_available])).toEqual([
        ['/k0', true],
        ['/k1', true],
        ['/large', true],
        ['/v', true],
      ]);
      expect(await stats()).toMatchObject({ blobs: 4, unreferenced_blobs: 0, unreferenced_bytes: 0 });
      // Nothing is left for a second run.
      expect((await runJob(api, { type: 'gc' }, 120_000)).result).toEqual({
        blobs_removed: 0,
        bytes_freed: 0,
        orphans_adopted: 0,
        packs_rewritten: 0,
      });
    } finally {
      await server.stop();
    }
  });
}

describe('gc on SQLite and local disk', () => {
  const dataDir = tempDir('hoard-gc-');
  describeGcScenario('SQLite + local-fs', () => ({
    local: true,
    start: () => startServer({ dataDir, env: ENV }),
    storedBytes: async () =>
      blobFilesOnDisk(dataDir)
        .filter((path) => !path.startsWith('.'))
        .reduce((n, path) => n + statSync(join(dataDir, 'blobs', path)).size, 0),
    plantOrphan: async (sha, data) => {
      const path = blobPath(dataDir, sha);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, data, { mode: 0o600 });
    },
    checkPacks: async () => {
      // The only pack left is the one this run's copies went to, still open.
      const packs = blobFilesOnDisk(dataDir).filter((path) => path.startsWith('packs/'));
      expect(packs.map((path) => statSync(join(dataDir, 'blobs', path)).size)).toEqual([9000]);
    },
  }));
});

describeOnFerretDb('gc on MongoDB and S3', 'the MongoDB + S3 gc suite', (ferret) => {
  describeOnMinio('(MinIO)', 'the MongoDB + S3 gc suite', (minio) => {
    const bucket = `hoard-gc-${randomBytes(4).toString('hex')}`;
    const db = `hoard_gc_${randomBytes(4).toString('hex')}`;
    afterAll(() => dropDatabase(ferret().uri, db));
    describeGcScenario('MongoDB (FerretDB) + S3 (MinIO)', () => {
      const s3 = () => new S3Client(minioClientConfig(minio()));
      return {
        local: false,
        start: () => startServer({ env: { ...ENV, ...mongoS3Env(ferret(), minio(), db, bucket), S3_PREFIX: 'blobs/' } }),
        storedBytes: async () => {
          const client = s3();
          let total = 0;
          let token: string | undefined;
          do {
            const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'blobs/', ContinuationToken: token }));
            for (const object of page.Contents ?? []) if (!object.Key!.startsWith('blobs/.')) total += object.Size ?? 0;
            token = page.IsTruncated ? page.NextContinuationToken : undefined;
          } while (token);
          client.destroy();
          return total;
        },
        plantOrphan: async (sha, data) => {
          const client = s3();
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: `blobs/${sha.slice(0, 2)}/${sha}`, Body: data }));
          client.destroy();
        },
        checkPacks: async () => {
          const mongo = new MongoClient(ferret().uri);
          try {
            const packs = await mongo.db(db).collection<{ _id: string; size: number; sealed: boolean }>('packs').find({}).toArray();
            const entries = await mongo.db(db).collection<{ pack_id: string; length: number }>('pack_entries').find({}).toArray();
            for (const pack of packs) {
              const live = entries.filter((e) => e.pack_id === pack._id).reduce((n, e) => n + e.length, 0);
              expect({ pack: pack._id, sealed: pack.sealed, halfLive: live * 2 >= pack.size }).toEqual({
                pack: pack._id,
                sealed: true,
                halfLive: true,
              });
            }
          } finally {
            await mongo.close();
          }
        },
      };
    });
  });
});

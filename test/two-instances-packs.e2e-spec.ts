import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { HoardClient } from '@app/client';
import { RunningFerretDb, RunningMinio, startFerretDb, startMinio } from './support/test-servers';
import { minioClientConfig, mongoS3Env } from './support/backing-suites';
import { RunningServer, startServer, tempDir } from './support/server';

const ferretBin = process.env.HOARD_TEST_FERRETDB_BIN;
const minioBin = process.env.HOARD_TEST_MINIO_BIN;
const describeReal = ferretBin && minioBin ? describe : describe.skip;
if (!ferretBin || !minioBin) {
  process.stderr.write('SKIPPED: two-instances-packs e2e needs FerretDB and MinIO (see test/support)\n');
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const contents = (n: number) => Array.from({ length: n }, (_, i) => randomBytes(1 + ((i * 7919) % 4096)));

describeReal('two server instances filling packs in one bucket with one MongoDB-compatible index', () => {
  let ferret: RunningFerretDb;
  let minio: RunningMinio;
  let servers: RunningServer[] = [];
  let clients: HoardClient[] = [];
  const bucket = `hoard-packs-${randomBytes(4).toString('hex')}`;
  const db = `hoard_packs_${randomBytes(4).toString('hex')}`;
  const trees = tempDir('hoard-two-packs-');

  beforeAll(async () => {
    [ferret, minio] = await Promise.all([startFerretDb(ferretBin!), startMinio(minioBin!)]);
    const env = {
      HOARD_BOOTSTRAP_ADMIN_KEY: `hk_two_${randomBytes(24).toString('hex')}`,
      ...mongoS3Env(ferret, minio, db, bucket),
      S3_PREFIX: 'blobs/',
    };
    servers = [await startServer({ env }), await startServer({ env })];
    clients = servers.map((s) => new HoardClient({ baseUrl: s.url, apiKey: s.adminKey, retries: 0 }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all([ferret?.stop(), minio?.stop()]);
  });

  /** Uploads by PUT, one request each, all at once. */
  const putAll = (client: HoardClient, blobs: Buffer[]) => blobs.map((b) => client.putBlob(sha(b), () => b, b.length));

  /** Uploads through POST /api/v1/blobs/pack, 25 files a request, all requests at once. */
  function packAll(client: HoardClient, blobs: Buffer[], dir: string) {
    const files = blobs.map((b, i) => {
      const path = join(trees, `${dir}-${i}`);
      writeFileSync(path, b);
      return { sha256: sha(b), path, size: b.length };
    });
    const requests = [];
    for (let i = 0; i < files.length; i += 25) requests.push(client.putBlobPack(files.slice(i, i + 25)));
    return requests;
  }

  it('stores what both receive at once, serves every digest from both, and each instance writes packs of its own', async () => {
    const shared = contents(80);
    const onlyA = contents(150);
    const onlyB = contents(150);
    const large = randomBytes(2 * 1024 * 1024);
    const sentA = [...shared, ...onlyA.slice(0, 75), large];
    const sentB = [...shared, ...onlyB.slice(0, 75), large];
    const [puts, packed] = await Promise.all([
      Promise.all([...putAll(clients[0], sentA), ...putAll(clients[1], sentB)]),
      Promise.all([...packAll(clients[0], onlyA.slice(75), 'a'), ...packAll(clients[1], onlyB.slice(75), 'b')]),
    ]);
    expect(puts.map((r) => [r.sha256, r.size])).toEqual([...sentA, ...sentB].map((b) => [sha(b), b.length]));
    expect(packed.flat().filter((r) => 'error' in r)).toEqual([]);

    // Every digest, packed or loose, is served whole by both instances.
    const all = [...shared, ...onlyA, ...onlyB, large];
    for (const content of all) {
      for (const client of clients) {
        const got = await client.getBlob(sha(content));
        const hash = createHash('sha256');
        for await (const chunk of got.body) hash.update(chunk as Buffer);
        expect([got.status, hash.digest('hex')]).toEqual([200, sha(content)]);
      }
    }

    // The bucket holds the large content loose and exactly the packs the index knows, each complete and sealed.
    const mongo = new MongoClient(ferret.uri);
    const packs = await mongo.db(db).collection<{ _id: string; size: number; sealed: boolean }>('packs').find({}).toArray();
    const entries = await mongo.db(db).collection<{ _id: string; pack_id: string }>('pack_entries').find({}).toArray();
    await mongo.close();
    const s3 = new S3Client(minioClientConfig(minio));
    const objects = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'blobs/' }))).Contents ?? [];
    s3.destroy();
    const packObjects = objects.filter((o) => o.Key!.startsWith('blobs/packs/'));
    expect(objects.filter((o) => !o.Key!.startsWith('blobs/packs/')).map((o) => o.Key)).toEqual([
      `blobs/${sha(large).slice(0, 2)}/${sha(large)}`,
    ]);
    expect(packObjects.map((o) => [o.Key, o.Size]).sort()).toEqual(
      packs.map((p) => [`blobs/packs/${p._id.slice(0, 2)}/${p._id}`, p.size]).sort(),
    );
    expect(packs.every((p) => p.sealed)).toBe(true);
    const small = [...shared, ...onlyA, ...onlyB].map(sha);
    expect(entries.map((e) => e._id).sort()).toEqual([...new Set(small)].sort());

    // A pack holds what one instance received: never content sent only to A beside content sent only to B.
    const side = new Map<string, string>([...onlyA.map((b) => [sha(b), 'A'] as const), ...onlyB.map((b) => [sha(b), 'B'] as const)]);
    const sidesOf = new Map<string, Set<string>>();
    for (const entry of entries) {
      const s = side.get(entry._id);
      if (!s) continue;
      const sides = sidesOf.get(entry.pack_id) ?? new Set<string>();
      sidesOf.set(entry.pack_id, sides.add(s));
    }
    const bySide = [...sidesOf.values()].map((sides) => [...sides].join(''));
    expect(new Set(bySide)).toEqual(new Set(['A', 'B']));
  }, 300_000);
});

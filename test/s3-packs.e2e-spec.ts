import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MemoryPackIndex, PackedBlobStore, PackWriter, StoredCopyCorrupt } from '@app/storage';
import { S3BlobStore, S3PackFiles } from '@app/storage/s3';
import { describeBlobStoreContract } from '@app/storage/testing/blob-store.contract';
import { randomBlob, readAll, streamOf } from '@app/storage/testing/blob-bodies';
import type { RunningMinio } from './support/test-servers';
import { describeOnMinio, minioClientConfig } from './support/backing-suites';

const MiB = 1024 * 1024;
describeOnMinio('packs on S3 (MinIO)', 'the S3 pack suites', (server) => {
  const bucket = 'hoard-packs-test';
  let minio: RunningMinio;
  let admin: S3Client;
  let staging: string;
  let prefixes = 0;

  beforeAll(async () => {
    minio = server();
    admin = new S3Client(clientConfig());
    staging = mkdtempSync(join(tmpdir(), 'hoard-s3-staging-'));
  });
  afterAll(async () => {
    admin?.destroy();
    rmSync(staging, { recursive: true, force: true });
  });

  const clientConfig = () => minioClientConfig(minio);

  /** A loose store on a fresh prefix (5 MiB parts) and its pack files. */
  async function freshLoose(prefix = `p${process.pid}-${++prefixes}/`) {
    const loose = new S3BlobStore({ ...clientConfig(), bucket, prefix, partSize: 5 * MiB, queueSize: 2, createBucket: true });
    await loose.init();
    return { loose, files: loose.packFiles(staging), prefix };
  }

  async function keysUnder(prefix: string): Promise<Array<{ key: string; size: number }>> {
    const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => ({ key: o.Key!, size: o.Size! }));
  }

  describeBlobStoreContract('packed over s3 (MinIO)', async () => {
    const { loose, files } = await freshLoose();
    const sut = new PackedBlobStore({ loose, files, index: new MemoryPackIndex(), threshold: 64 * 1024 });
    await sut.init();
    return { sut, cleanup: async () => undefined };
  });

  describe('S3PackFiles', () => {
    let sut: S3PackFiles;
    let loose: S3BlobStore;
    let prefix: string;
    beforeEach(async () => {
      ({ loose, files: sut, prefix } = await freshLoose());
    });
    afterEach(() => loose.close());

    it('stages positional writes and uploads the pack as one object on its datasync, then refuses more', async () => {
      const id = 'ab'.padEnd(32, '0');
      const appender = await sut.create(id);
      await Promise.all([appender.write([Buffer.from('world')], 6), appender.write([Buffer.from('hello'), Buffer.from(' ')], 0)]);
      expect(await keysUnder(prefix)).toEqual([]);
      await appender.datasync();
      expect(await keysUnder(prefix)).toEqual([{ key: `${prefix}packs/ab/${id}`, size: 11 }]);
      await expect(appender.write([Buffer.from('!')], 11)).rejects.toThrow(/sealed/);
      await appender.close();
      expect(readdirSync(staging).filter((name) => name.startsWith(id))).toEqual([]);
      expect((await sut.readBytes(id, 6, 5)).toString()).toBe('world');
      expect((await readAll(await sut.read(id, 2, 3))).toString()).toBe('llo');
      expect((await sut.readBytes(id, 8, 10)).toString()).toBe('rld');
      const [listed] = await sut.list();
      expect([listed.id, listed.size]).toEqual([id, 11]);
      expect(Math.abs(listed.modifiedAt - Date.now())).toBeLessThan(60_000);
      await expect(sut.remove(id)).resolves.toBe(true);
      await expect(sut.remove(id)).resolves.toBe(false);
      await expect(sut.readBytes(id, 0, 1)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('uploads a pack larger than one part as a multipart upload, read back intact', async () => {
      const id = 'cd'.padEnd(32, '1');
      const { bytes } = randomBlob(12 * MiB + 5);
      const appender = await sut.create(id);
      await appender.write([bytes.subarray(0, 7 * MiB)], 0);
      await appender.write([bytes.subarray(7 * MiB)], 7 * MiB);
      await appender.datasync();
      await appender.close();
      expect(await keysUnder(prefix)).toEqual([{ key: `${prefix}packs/cd/${id}`, size: 12 * MiB + 5 }]);
      const got = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}packs/cd/${id}` }));
      expect((await readAll(got.Body as Readable)).equals(bytes)).toBe(true);
      expect((await sut.readBytes(id, 5 * MiB - 2, 4)).equals(bytes.subarray(5 * MiB - 2, 5 * MiB + 2))).toBe(true);
    });

    it("recovery leaves a young pack the index does not know (another instance's upload) and removes an old one", async () => {
      const id = 'ef'.padEnd(32, '2');
      const appender = await sut.create(id);
      await appender.write([Buffer.from('not committed')], 0);
      await appender.datasync();
      await appender.close();
      const index = new MemoryPackIndex();
      await new PackWriter({ files: sut, index, packSize: MiB }).recover();
      expect((await sut.list()).map((f) => f.id)).toEqual([id]);
      await new PackWriter({ files: sut, index, packSize: MiB, now: () => Date.now() + 3600_000 + 60_000 }).recover();
      expect(await sut.list()).toEqual([]);
    });
  });

  describe('PackedBlobStore over S3', () => {
    it('group-commits concurrent small puts into a few sealed pack objects, serves each, and a corrupt entry fails alone', async () => {
      const { loose, files, prefix } = await freshLoose();
      const index = new MemoryPackIndex();
      const sut = new PackedBlobStore({ loose, files, index, threshold: 64 * 1024 });
      await sut.init();
      const blobs = Array.from({ length: 50 }, () => randomBlob(2048));
      const results = await Promise.all(blobs.map((b) => sut.put(b.sha, streamOf(b.bytes))));
      expect(results.every((r) => r.created)).toBe(true);
      const keys = await keysUnder(prefix);
      expect(keys.every((k) => k.key.startsWith(`${prefix}packs/`))).toBe(true);
      expect(keys.reduce((n, k) => n + k.size, 0)).toBe(50 * 2048);
      const packs = await index.packs();
      expect(keys.map((k) => [k.key, k.size])).toEqual(packs.map((p) => [`${prefix}packs/${p.id.slice(0, 2)}/${p.id}`, p.size]));
      expect(packs.every((p) => p.sealed)).toBe(true);
      expect(keys.length).toBeLessThan(blobs.length / 2);
      for (const b of blobs) expect((await readAll(await sut.read(b.sha))).equals(b.bytes)).toBe(true);

      const hit = (await index.lookup(blobs[7].sha))!;
      const key = `${prefix}packs/${hit.packId.slice(0, 2)}/${hit.packId}`;
      const object = await readAll((await admin.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable);
      object[hit.offset + 100] ^= 0xff;
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: object }));
      await expect(readAll(await sut.read(blobs[7].sha))).rejects.toBeInstanceOf(StoredCopyCorrupt);
      for (const b of [...blobs.slice(0, 7), ...blobs.slice(8)]) {
        expect((await readAll(await sut.read(b.sha))).equals(b.bytes)).toBe(true);
      }
      await sut.close();
    });
  });
});

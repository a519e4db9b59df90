import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { describeOnFerretDb, describeOnMinio, minioClientConfig, mongoS3Env } from './support/backing-suites';
import { Http } from './support/http';
import { scrubFindsAndScanHeals } from './support/scrub-scenario';
import { type RunningServer, startServer } from './support/server';
import type { RunningFerretDb, RunningMinio } from './support/test-servers';

async function bytesOf(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const body = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!;
  return Buffer.from(await body.transformToByteArray());
}

describeOnMinio('scrub on MongoDB (FerretDB) and S3 (MinIO)', 'the MongoDB and S3 scrub specs', (minioServer) => {
  describeOnFerretDb('with FerretDB', 'the MongoDB and S3 scrub specs', (ferretServer) => {
    let minio: RunningMinio;
    let ferret: RunningFerretDb;
    let s3: S3Client;
    const servers: RunningServer[] = [];
    // Stopped before the enclosing suites stop FerretDB and MinIO under it.
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((s) => s.stop()));
    });
    const bucket = `hoard-scrub-${randomBytes(4).toString('hex')}`;
    const db = `hoard_scrub_${randomBytes(4).toString('hex')}`;

    beforeAll(() => {
      minio = minioServer();
      ferret = ferretServer();
      s3 = new S3Client(minioClientConfig(minio));
    });
    // The servers themselves, with their data, go when the enclosing suites stop them.
    afterAll(() => s3?.destroy());

    it('finds an object overwritten with a flipped byte, a pack entry flipped likewise and a deleted object; the next scan heals them', async () => {
      const server = await startServer({ env: mongoS3Env(ferret, minio, db, bucket) });
      servers.push(server);
      const admin = new Http(server.url, server.adminKey);
      const looseKey = (sha: string) => `${sha.slice(0, 2)}/${sha}`;
      await scrubFindsAndScanHeals(server, admin, {
        flipLoose: async (sha) => {
          const bytes = await bytesOf(s3, bucket, looseKey(sha));
          bytes[bytes.length >> 1] ^= 0x01;
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: looseKey(sha), Body: bytes }));
        },
        flipPacked: async (data) => {
          const packs = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'packs/' }))).Contents ?? [];
          for (const { Key } of packs) {
            const bytes = await bytesOf(s3, bucket, Key!);
            const at = bytes.indexOf(data);
            if (at < 0) continue;
            bytes[at + 100] ^= 0x01;
            await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: bytes }));
            return;
          }
          throw new Error('no pack holds that content');
        },
        removeLoose: async (sha) => {
          await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: looseKey(sha) }));
        },
      });
      // The corrupt object was copied aside before it left its key, never deleted.
      const aside = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: '.quarantine/' }))).Contents ?? [];
      expect(aside).toHaveLength(1);
    });
  });
});

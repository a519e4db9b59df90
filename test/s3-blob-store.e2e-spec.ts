import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { sha256Of } from '@app/contracts';
import { S3BlobStore, S3BlobStoreOptions } from '@app/storage/s3';
import { describeBlobStoreContract } from '@app/storage/testing/blob-store.contract';
import { collect, interruptedStream, randomBlob, readAll, streamOf } from '@app/storage/testing/blob-bodies';
import type { RunningMinio } from './support/test-servers';
import { describeOnMinio, minioClientConfig } from './support/backing-suites';

const MiB = 1024 * 1024;
describeOnMinio('S3BlobStore against MinIO', 'the S3 blob store suites', (server) => {
  const bucket = 'hoard-test';
  let minio: RunningMinio;
  let admin: S3Client;
  let prefixes = 0;

  beforeAll(async () => {
    minio = server();
    admin = new S3Client(clientConfig());
  });
  afterAll(async () => {
    admin?.destroy();
  });

  const clientConfig = () => minioClientConfig(minio);

  /** A store on its own fresh prefix of the shared bucket, with the smallest part size S3 allows. */
  async function freshStore(overrides: Partial<S3BlobStoreOptions> = {}): Promise<S3BlobStore> {
    const sut = new S3BlobStore({
      ...clientConfig(),
      bucket,
      prefix: `t${process.pid}-${++prefixes}/`,
      partSize: 5 * MiB,
      queueSize: 3,
      createBucket: true,
      ...overrides,
    });
    await sut.init();
    return sut;
  }

  /** Incomplete uploads under a prefix (filtered here: MinIO applies `Prefix` to whole keys only). */
  async function openUploads(prefix: string): Promise<number> {
    const page = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket, MaxUploads: 1000 }));
    return (page.Uploads ?? []).filter((upload) => upload.Key?.startsWith(prefix)).length;
  }

  describeBlobStoreContract('s3 (MinIO)', async () => ({ sut: await freshStore(), cleanup: async () => undefined }));

  describe('multipart uploads', () => {
    let sut: S3BlobStore;
    let prefix: string;
    beforeEach(async () => {
      sut = await freshStore();
      prefix = `t${process.pid}-${prefixes}/`;
    });
    afterEach(() => sut.close());

    it('leaves no incomplete multipart upload after a mismatched or an interrupted body', async () => {
      const { bytes, sha } = randomBlob(12 * MiB);
      const other = randomBlob(12 * MiB);
      await expect(sut.put(sha, streamOf(other.bytes))).rejects.toMatchObject({ code: 'digest_mismatch' });
      await expect(sut.put(sha, interruptedStream(bytes, 11 * MiB, new Error('reset')))).rejects.toMatchObject({
        code: 'invalid_request',
      });
      await expect(sut.put(sha, streamOf(bytes), { maxBytes: 10 * MiB })).rejects.toMatchObject({
        code: 'payload_too_large',
      });
      expect(await openUploads(prefix)).toBe(0);
      expect(await collect(sut.list())).toEqual([]);
    });

    it('lets concurrent multipart uploads of one digest complete once and leave no upload behind', async () => {
      const { bytes, sha } = randomBlob(11 * MiB);
      const results = await Promise.all(Array.from({ length: 4 }, () => sut.put(sha, streamOf(bytes))));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await openUploads(prefix)).toBe(0);
      expect((await readAll(await sut.read(sha))).equals(bytes)).toBe(true);
    });

    it('streams a 64 MiB body in 5 MiB parts and reads it back intact', async () => {
      const seed = randomBytes(MiB);
      const chunks = () =>
        Readable.from(
          (function* () {
            for (let i = 0; i < 64; i++) yield Buffer.concat([seed.subarray(i), seed.subarray(0, i)]);
          })(),
        );
      const hash = createHash('sha256');
      for await (const chunk of chunks()) hash.update(chunk);
      const sha = sha256Of(hash);
      await expect(sut.put(sha, chunks(), { expectedSize: 64 * MiB })).resolves.toEqual({
        sha256: sha,
        size: 64 * MiB,
        created: true,
      });
      const back = createHash('sha256');
      for await (const chunk of await sut.read(sha)) back.update(chunk);
      expect(back.digest('hex')).toBe(sha);
      await expect(sut.stat(sha)).resolves.toEqual({ sha256: sha, size: 64 * MiB });
      expect(await openUploads(prefix)).toBe(0);
    });

    it('aborts stale uploads under its prefix on init, and only those', async () => {
      await admin.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `${prefix}ab/leftover` }));
      await sut.init();
      expect(await openUploads(prefix)).toBe(1);
      const restarted = await freshStore({ prefix, staleUploadMs: 0 });
      await restarted.close();
      expect(await openUploads(prefix)).toBe(0);
    });

    it('leaves the resumable uploads under <prefix>uploads/ to their own expiry', async () => {
      await admin.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `${prefix}uploads/${'0'.repeat(48)}` }));
      const restarted = await freshStore({ prefix, staleUploadMs: 0 });
      await restarted.close();
      expect(await openUploads(prefix)).toBe(1);
    });
  });

  describe('quarantine', () => {
    it("copies the object under the prefix's .quarantine/ on the server side, part by part when it is large, then removes it", async () => {
      const sut = await freshStore({ singleCopyMax: 5 * MiB });
      const prefix = `t${process.pid}-${prefixes}/`;
      const small = randomBlob(3 * MiB);
      const large = randomBlob(12 * MiB + 7);
      for (const blob of [small, large]) await sut.put(blob.sha, streamOf(blob.bytes));
      for (const blob of [small, large]) await expect(sut.quarantine(blob.sha)).resolves.toBe(true);
      const listed = await admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      const keys = (listed.Contents ?? []).map((o) => o.Key!);
      expect(keys.every((k) => k.startsWith(`${prefix}.quarantine/`))).toBe(true);
      for (const blob of [small, large]) {
        const key = keys.find((k) => k.startsWith(`${prefix}.quarantine/${blob.sha}.`))!;
        const got = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        expect((await readAll(got.Body as Readable)).equals(blob.bytes)).toBe(true);
      }
      expect(await collect(sut.list())).toEqual([]);
      expect(await openUploads(prefix)).toBe(0);
      await sut.close();
    });
  });

  describe('bucket checks', () => {
    it('fails init and ping with unavailable when the bucket is missing and may not be created', async () => {
      const sut = new S3BlobStore({ ...clientConfig(), bucket: 'hoard-missing', createBucket: false });
      await expect(sut.init()).rejects.toMatchObject({ code: 'unavailable' });
      await expect(sut.ping()).rejects.toMatchObject({ code: 'unavailable' });
      await sut.close();
    });

    it('fails with unavailable when the server cannot be reached', async () => {
      const sut = new S3BlobStore({ ...clientConfig(), endpoint: 'http://127.0.0.1:9', bucket });
      const { bytes, sha } = randomBlob(100);
      await expect(sut.ping()).rejects.toMatchObject({ code: 'unavailable' });
      await expect(sut.put(sha, streamOf(bytes))).rejects.toMatchObject({ code: 'unavailable' });
      await sut.close();
    });

    it('shares blobs between two stores on the same bucket and prefix', async () => {
      const first = await freshStore();
      const second = await freshStore({ prefix: `t${process.pid}-${prefixes}/` });
      const { bytes, sha } = randomBlob(1000);
      await first.put(sha, streamOf(bytes));
      await expect(second.put(sha, streamOf(bytes))).resolves.toMatchObject({ created: false });
      expect(await readAll(await second.read(sha))).toEqual(bytes);
      await first.close();
      await second.close();
    });
  });
});

import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@tus/utils';
import { randomBytes } from 'node:crypto';
import { S3UploadStore } from '@app/storage/s3';
import { streamOf } from '@app/storage/testing/blob-bodies';
import { describeUploadStoreContract, newUploadId } from '@app/storage/testing/upload-store.contract';
import type { RunningMinio } from './support/test-servers';
import { describeOnMinio, minioClientConfig } from './support/backing-suites';

const MiB = 1024 * 1024;

describeOnMinio('S3UploadStore against MinIO', 'the S3 upload store suites', (server) => {
  const bucket = 'hoard-test';
  let minio: RunningMinio;
  let admin: S3Client;
  let prefixes = 0;

  beforeAll(async () => {
    minio = server();
    admin = new S3Client(minioClientConfig(minio));
    // The bucket may exist already (another spec of this run made it).
    await admin.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
  });
  afterAll(() => admin?.destroy());

  /** A store on a fresh prefix of the shared bucket. */
  function freshStore(expiryMs: number): { sut: S3UploadStore; prefix: string } {
    const prefix = `u${process.pid}-${++prefixes}/`;
    return { sut: new S3UploadStore({ ...minioClientConfig(minio), bucket, prefix, partSize: 5 * MiB, expiryMs }), prefix };
  }

  /** Incomplete multipart uploads under a prefix (filtered here: MinIO applies `Prefix` to whole keys only). */
  async function openUploads(prefix: string): Promise<string[]> {
    const page = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket, MaxUploads: 1000 }));
    return (page.Uploads ?? []).map((u) => u.Key!).filter((key) => key.startsWith(prefix));
  }

  async function objects(prefix: string): Promise<string[]> {
    const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => o.Key!).sort();
  }

  describeUploadStoreContract('s3 (MinIO)', async (expiryMs) => {
    const { sut } = freshStore(expiryMs);
    return { sut, cleanup: async () => undefined };
  });

  it('keeps an upload under <prefix>uploads/ as one multipart upload, its metadata and its short tail', async () => {
    const { sut, prefix } = freshStore(0);
    const { id } = await sut.create(new Upload({ id: newUploadId(), size: 12 * MiB, offset: 0 }));
    await sut.write(streamOf(randomBytes(7 * MiB)), id, 0);
    expect(await openUploads(prefix)).toEqual([`${prefix}uploads/${id}`]);
    expect(await objects(prefix)).toEqual([`${prefix}uploads/${id}.info`, `${prefix}uploads/${id}.part`]);
    expect((await sut.getUpload(id)).offset).toBe(7 * MiB);
    await sut.close();
  });

  it('aborts the multipart upload when the upload is removed, and when it expires', async () => {
    const { sut, prefix } = freshStore(0);
    const terminated = await sut.create(new Upload({ id: newUploadId(), size: 12 * MiB, offset: 0 }));
    await sut.write(streamOf(randomBytes(6 * MiB)), terminated.id, 0);
    await sut.remove(terminated.id);
    expect(await openUploads(prefix)).toEqual([]);
    expect(await objects(prefix)).toEqual([]);
    await sut.close();

    const expiring = freshStore(1500);
    const unfinished = await expiring.sut.create(new Upload({ id: newUploadId(), size: 12 * MiB, offset: 0 }));
    await expiring.sut.write(streamOf(randomBytes(6 * MiB)), unfinished.id, 0);
    expect(await openUploads(expiring.prefix)).toHaveLength(1);
    const deadline = Date.now() + 20_000;
    while ((await expiring.sut.deleteExpired()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await openUploads(expiring.prefix)).toEqual([]);
    expect(await objects(expiring.prefix)).toEqual([]);
    await expiring.sut.close();
  });

  it('leaves the multipart uploads of the blob store alone when it sweeps', async () => {
    const { sut, prefix } = freshStore(1);
    const blobKey = `${prefix}ab/${'ab'.repeat(32)}`;
    const started = await admin.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: blobKey }));
    const created = await sut.create(new Upload({ id: newUploadId(), size: 10, offset: 0 }));
    const deadline = Date.now() + 20_000;
    while ((await sut.deleteExpired()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await expect(sut.getUpload(created.id)).rejects.toMatchObject({ status_code: 404 });
    expect(await openUploads(prefix)).toEqual([blobKey]);
    await admin.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: blobKey, UploadId: started.UploadId }));
    await sut.close();
  });
});

import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from 'tus-js-client';
import { describeOnFerretDb, describeOnMinio, dropDatabase, minioClientConfig, mongoS3Env } from './support/backing-suites';
import { Http, randomContent } from './support/http';
import { RunningServer, startServer } from './support/server';
import type { RunningMinio } from './support/test-servers';
import { tusUpload } from './support/tus';

const MiB = 1024 * 1024;
const TUS = { 'tus-resumable': '1.0.0' };

/** Polls `check` every 100 ms until it holds, for at most `ms`. */
async function eventually(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeOnMinio('server: resumable uploads over tus on S3 (MinIO)', 'the tus-on-S3 suites', (minioServer) => {
  let minio: RunningMinio;
  let s3: S3Client;
  let buckets = 0;
  beforeAll(() => {
    minio = minioServer();
    s3 = new S3Client(minioClientConfig(minio));
  });
  afterAll(() => s3?.destroy());

  /** The environment of a server on a fresh bucket of the MinIO (metadata in SQLite). */
  function s3Env(bucket: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      HOARD_STORAGE: 's3',
      S3_BUCKET: bucket,
      S3_PREFIX: 'hoard/',
      S3_ENDPOINT: minio.endpoint,
      S3_REGION: minio.region,
      S3_FORCE_PATH_STYLE: 'true',
      S3_CREATE_BUCKET: 'true',
      S3_PART_SIZE: String(5 * MiB),
      AWS_ACCESS_KEY_ID: minio.accessKey,
      AWS_SECRET_ACCESS_KEY: minio.secretKey,
      ...extra,
    };
  }

  /** Multipart uploads in flight under the uploads' prefix of a bucket. */
  async function openUploads(bucket: string): Promise<string[]> {
    const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    return (page.Uploads ?? []).map((u) => u.Key!).filter((key) => key.startsWith('hoard/uploads/'));
  }

  async function uploadObjects(bucket: string): Promise<string[]> {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'hoard/uploads/' }));
    return (page.Contents ?? []).map((o) => o.Key!);
  }

  describe('one server', () => {
    let server: RunningServer;
    let writer: Http;
    const bucket = `tus-${process.pid}-${++buckets}`;
    beforeAll(async () => {
      server = await startServer({ env: s3Env(bucket) });
      writer = new Http(server.url, server.adminKey);
    });
    afterAll(() => server?.stop());

    it('keeps an upload as one multipart upload; cut by the client, it resumes from the parts S3 holds', async () => {
      const { data, sha } = randomContent(23 * MiB);
      const first = await tusUpload(server.url, server.adminKey, data, sha, { chunkSize: 6 * MiB, abortAt: 12 * MiB });
      expect(first.outcome).toBe('aborted');
      expect(await openUploads(bucket)).toEqual([`hoard/uploads/${new URL(first.url!).pathname.split('/').pop()}`]);
      const offset = Number((await writer.head(new URL(first.url!).pathname, { headers: TUS })).header('upload-offset'));
      expect(offset).toBeGreaterThanOrEqual(6 * MiB);
      const second = await tusUpload(server.url, server.adminKey, data, sha, { uploadUrl: first.url!, chunkSize: 6 * MiB });
      expect(second.outcome).toBe('success');
      expect(second.startedAt).toBe(offset);
      expect(second.sent).toBe(data.length - offset);
      expect((await writer.get(`/api/v1/blobs/${sha}`)).body.equals(data)).toBe(true);
      expect(await openUploads(bucket)).toEqual([]);
      expect(await uploadObjects(bucket)).toEqual([]);
    });

    it('stores an object sent resumably as its next version, leaving no multipart upload behind', async () => {
      const { data, sha } = randomContent(13 * MiB);
      const metadata = { bucket: 'backups', key: 'user-7/db.sqlite', sha256: sha, content_type: 'application/vnd.sqlite3' };
      const first = await tusUpload(server.url, server.adminKey, data, sha, { metadata, chunkSize: 6 * MiB, abortAt: 6 * MiB });
      expect(first.outcome).toBe('aborted');
      const second = await tusUpload(server.url, server.adminKey, data, sha, { metadata, uploadUrl: first.url!, chunkSize: 6 * MiB });
      expect([second.outcome, second.sent < data.length]).toEqual(['success', true]);
      const got = await writer.get('/api/v1/objects/backups/user-7/db.sqlite');
      expect([got.status, got.header('content-type'), got.body.equals(data)]).toEqual([200, 'application/vnd.sqlite3', true]);
      expect(await openUploads(bucket)).toEqual([]);
      expect(await uploadObjects(bucket)).toEqual([]);
    });

    it('aborts the multipart upload on termination, and answers a mismatch 422 leaving nothing behind', async () => {
      const { data, sha } = randomContent(12 * MiB);
      const run = await tusUpload(server.url, server.adminKey, data, sha, { chunkSize: 6 * MiB, abortAt: 6 * MiB });
      expect(await openUploads(bucket)).toHaveLength(1);
      await Upload.terminate(run.url!, { headers: { 'X-API-Key': server.adminKey } });
      expect(await openUploads(bucket)).toEqual([]);
      expect(await uploadObjects(bucket)).toEqual([]);

      const wrong = await tusUpload(server.url, server.adminKey, randomContent(7 * MiB).data, sha, { chunkSize: 6 * MiB });
      expect([wrong.outcome, wrong.status, JSON.parse(wrong.body!).error.code]).toEqual(['error', 422, 'digest_mismatch']);
      expect((await writer.get(`/api/v1/blobs/${sha}`)).status).toBe(404);
      expect(await openUploads(bucket)).toEqual([]);
      expect(await uploadObjects(bucket)).toEqual([]);
    });
  });

  it('keeps the offset of the parts S3 holds across a kill -9: the restarted server continues from there', async () => {
    const bucket = `tus-${process.pid}-${++buckets}`;
    const first = await startServer({ env: s3Env(bucket) });
    const { data, sha } = randomContent(24 * MiB);
    let killed: Promise<void> | undefined;
    const run = await tusUpload(first.url, first.adminKey, data, sha, {
      chunkSize: 6 * MiB,
      onReach: { at: 13 * MiB, then: () => (killed = first.kill()) },
    });
    expect(run.outcome).toBe('error');
    await killed;
    const second = await startServer({
      dataDir: first.dataDir,
      port: first.port,
      env: { ...s3Env(bucket), HOARD_BOOTSTRAP_ADMIN_KEY: first.adminKey },
    });
    try {
      const writer = new Http(second.url, second.adminKey);
      const offset = Number((await writer.head(new URL(run.url!).pathname, { headers: TUS })).header('upload-offset'));
      // The parts S3 completed hold (8 MiB parts: the first one at least). The tail of acknowledged bytes shorter than
      // a part may be gone: tus's S3 store takes it out of the bucket when the next PATCH starts, to send it with that
      // PATCH's bytes as a part, so a kill in between loses it. (More than 13 MiB may have arrived: the client went on
      // sending until the process died.)
      expect(offset).toBeGreaterThanOrEqual(8 * MiB);
      expect(offset).toBeLessThan(data.length);
      const resumed = await tusUpload(second.url, second.adminKey, data, sha, { uploadUrl: run.url!, chunkSize: 6 * MiB });
      expect([resumed.outcome, resumed.startedAt, resumed.sent]).toEqual(['success', offset, data.length - offset]);
      expect((await writer.get(`/api/v1/blobs/${sha}`)).body.equals(data)).toBe(true);
      expect(await openUploads(bucket)).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  it('aborts the multipart upload of an expired upload and removes its objects', async () => {
    const bucket = `tus-${process.pid}-${++buckets}`;
    const server = await startServer({ env: s3Env(bucket, { HOARD_UPLOAD_EXPIRY_HOURS: '0.0005' }) });
    try {
      const { data, sha } = randomContent(12 * MiB);
      const run = await tusUpload(server.url, server.adminKey, data, sha, { chunkSize: 6 * MiB, abortAt: 6 * MiB });
      expect(run.outcome).toBe('aborted');
      expect(await openUploads(bucket)).toHaveLength(1);
      await eventually('the expired upload is aborted and removed', async () => {
        return (await openUploads(bucket)).length === 0 && (await uploadObjects(bucket)).length === 0;
      });
    } finally {
      await server.stop();
    }
  });

  describeOnFerretDb('two instances on one MongoDB and one bucket', 'the two-instance tus suite', (ferretServer) => {
    it('finishes on one instance an upload started on the other', async () => {
      const db = `tus_${process.pid}`;
      const bucket = `tus-${process.pid}-${++buckets}`;
      const env = { ...mongoS3Env(ferretServer(), minio, db, bucket), S3_PART_SIZE: String(5 * MiB) };
      const a = await startServer({ env });
      const b = await startServer({ env: { ...env, HOARD_BOOTSTRAP_ADMIN_KEY: a.adminKey } });
      try {
        const { data, sha } = randomContent(16 * MiB);
        const first = await tusUpload(a.url, a.adminKey, data, sha, { chunkSize: 6 * MiB, abortAt: 6 * MiB });
        expect(first.outcome).toBe('aborted');
        const path = new URL(first.url!).pathname;
        const onB = `${b.url}${path}`;
        const offset = Number((await new Http(b.url, b.adminKey).head(path, { headers: TUS })).header('upload-offset'));
        expect(offset).toBeGreaterThanOrEqual(6 * MiB);
        const second = await tusUpload(b.url, b.adminKey, data, sha, { uploadUrl: onB, chunkSize: 6 * MiB });
        expect([second.outcome, second.startedAt, second.sent]).toEqual(['success', offset, data.length - offset]);
        expect((await new Http(a.url, a.adminKey).get(`/api/v1/blobs/${sha}`)).body.equals(data)).toBe(true);
        expect(await openUploads(bucket)).toEqual([]);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
        await dropDatabase(ferretServer().uri, db);
      }
    });
  });
});

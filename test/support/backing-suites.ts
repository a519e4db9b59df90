import { MongoClient } from 'mongodb';
import { type RunningFerretDb, type RunningMinio, startFerretDb, startMinio } from './test-servers';

/**
 * A describe block run against one MinIO started for it, or skipped with a loud banner when the binary was not
 * built (CI requires it: a skipped suite fails the run). `minio()` is the server once `beforeAll` has run.
 */
export function describeOnMinio(title: string, suites: string, body: (minio: () => RunningMinio) => void): void {
  const bin = process.env.HOARD_TEST_MINIO_BIN;
  if (!bin) process.stderr.write(`\n!! HOARD_TEST_MINIO_BIN is not set: ${suites} are SKIPPED\n\n`);
  (bin ? describe : describe.skip)(title, () => {
    let minio: RunningMinio;
    beforeAll(async () => {
      minio = await startMinio(bin!);
    });
    afterAll(async () => {
      await minio?.stop();
    });
    body(() => minio);
  });
}

/** The S3 client settings for a MinIO's root user. */
export function minioClientConfig(minio: RunningMinio) {
  return {
    endpoint: minio.endpoint,
    region: minio.region,
    forcePathStyle: true,
    credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey },
  };
}

/** As {@link describeOnMinio}, against one FerretDB (MongoDB's wire protocol). */
export function describeOnFerretDb(title: string, suites: string, body: (ferret: () => RunningFerretDb) => void): void {
  const bin = process.env.HOARD_TEST_FERRETDB_BIN;
  if (!bin) process.stderr.write(`\n!! HOARD_TEST_FERRETDB_BIN is not set: ${suites} are SKIPPED\n\n`);
  (bin ? describe : describe.skip)(title, () => {
    let ferret: RunningFerretDb;
    beforeAll(async () => {
      ferret = await startFerretDb(bin!);
    });
    afterAll(async () => {
      await ferret?.stop();
    });
    body(() => ferret);
  });
}

/** Drops a database a spec made on a shared server. */
export async function dropDatabase(uri: string, name: string): Promise<void> {
  const client = new MongoClient(uri);
  try {
    await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}

/** The environment of a Hoard server on MongoDB (FerretDB) and S3 (MinIO), as several instances share them. */
export function mongoS3Env(ferret: RunningFerretDb, minio: RunningMinio, db: string, bucket: string): Record<string, string> {
  return {
    HOARD_METADATA: 'mongodb',
    MONGODB_URI: ferret.uri,
    MONGODB_DB: db,
    HOARD_STORAGE: 's3',
    S3_BUCKET: bucket,
    S3_ENDPOINT: minio.endpoint,
    S3_REGION: minio.region,
    S3_FORCE_PATH_STYLE: 'true',
    S3_CREATE_BUCKET: 'true',
    AWS_ACCESS_KEY_ID: minio.accessKey,
    AWS_SECRET_ACCESS_KEY: minio.secretKey,
  };
}

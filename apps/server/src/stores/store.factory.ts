import { BlobStore, LocalFsBlobStore, LocalPackFiles, LocalUploadStore, PackedBlobStore, PackIndex, UploadStore } from '@app/storage';
import { MetadataStore, SqliteMetadataStore, SqlitePackIndex } from '@app/metadata';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';

// Type-only imports are erased from the build: the AWS SDK and the MongoDB driver load only when selected.
type S3Module = typeof import('@app/storage/s3');
type MongoModule = typeof import('@app/metadata/mongodb');

/**
 * Chooses and builds the blob store named by the config: small content goes to packs (S3PackFiles on S3,
 * LocalPackFiles on local storage) indexed where the metadata lives (MongoPackIndex or SqlitePackIndex).
 */
export function createBlobStore(config: AppConfig): BlobStore {
  const root = join(config.dataDir, 'blobs');
  const s3 = config.HOARD_STORAGE === 's3' ? createS3BlobStore(config) : null;
  const loose = s3 ?? new LocalFsBlobStore({ root });
  // A threshold of 0 packs nothing new, but content packed before stays readable.
  return new PackedBlobStore({
    loose,
    index: createPackIndex(config),
    files: s3 ? s3.packFiles() : new LocalPackFiles(root),
    threshold: config.HOARD_PACK_THRESHOLD,
  });
}

function createS3BlobStore(config: AppConfig) {
  // Hoard supports Node 20; the SDK's notice that its future releases will not is not for operators' logs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { S3BlobStore } = require('@app/storage/s3') as S3Module;
  return new S3BlobStore({
    bucket: config.S3_BUCKET!,
    prefix: config.S3_PREFIX,
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    partSize: config.S3_PART_SIZE,
    queueSize: config.S3_QUEUE_SIZE,
    createBucket: config.S3_CREATE_BUCKET,
  });
}

/** The pack index lives with the metadata: in MongoDB (shared by the instances) or in the SQLite database. */
function createPackIndex(config: AppConfig): PackIndex {
  if (config.HOARD_METADATA === 'mongodb') {
    const { MongoPackIndex } = require('@app/metadata/mongodb') as MongoModule;
    return new MongoPackIndex({ uri: config.MONGODB_URI!, db: config.MONGODB_DB });
  }
  return new SqlitePackIndex({ path: sqlitePath(config) });
}

function sqlitePath(config: AppConfig): string {
  return join(config.dataDir, 'hoard.db');
}

/** Chooses and builds the metadata store named by the config. */
export function createMetadataStore(config: AppConfig): MetadataStore {
  if (config.HOARD_METADATA === 'mongodb') {
    const { MongoMetadataStore } = require('@app/metadata/mongodb') as MongoModule;
    return new MongoMetadataStore({ uri: config.MONGODB_URI!, db: config.MONGODB_DB });
  }
  return new SqliteMetadataStore({ path: sqlitePath(config) });
}

/**
 * Chooses and builds the store of unfinished resumable uploads: one S3 multipart upload each under the blob store's
 * prefix (`<prefix>uploads/`) on S3, files under `<data>/uploads` on local storage.
 */
export function createUploadStore(config: AppConfig, expiryMs: number): UploadStore {
  if (config.HOARD_STORAGE === 's3') {
    const { S3UploadStore } = require('@app/storage/s3') as S3Module;
    return new S3UploadStore({
      bucket: config.S3_BUCKET!,
      prefix: config.S3_PREFIX,
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      partSize: config.S3_PART_SIZE,
      expiryMs,
    });
  }
  return new LocalUploadStore({ directory: join(config.dataDir, 'uploads'), expiryMs });
}

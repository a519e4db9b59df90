import { BlobStore, LocalFsBlobStore } from '@app/storage';
import { MetadataStore, SqliteMetadataStore } from '@app/metadata';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';

interface S3Options {
  bucket: string;
  prefix: string;
  endpoint?: string;
  region?: string;
  forcePathStyle: boolean;
  partSize: number;
  queueSize: number;
  createBucket: boolean;
}

/**
 * Chooses and builds the blob store named by the config. The S3 driver (and its SDK) is loaded only when selected.
 */
export function createBlobStore(config: AppConfig): BlobStore {
  if (config.HOARD_STORAGE === 's3') {
    const { S3BlobStore } = require('@app/storage/s3') as { S3BlobStore: new (options: S3Options) => BlobStore };
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
  return new LocalFsBlobStore({ root: join(config.dataDir, 'blobs') });
}

/**
 * Chooses and builds the metadata store named by the config. The MongoDB driver is loaded only when selected.
 */
export function createMetadataStore(config: AppConfig): MetadataStore {
  if (config.HOARD_METADATA === 'mongodb') {
      const { MongoMetadataStore } = require('@app/metadata/mongodb') as {
      MongoMetadataStore: new (options: { uri: string; db: string }) => MetadataStore;
    };
    return new MongoMetadataStore({ uri: config.MONGODB_URI!, db: config.MONGODB_DB });
  }
  return new SqliteMetadataStore({ path: join(config.dataDir, 'hoard.db') });
}

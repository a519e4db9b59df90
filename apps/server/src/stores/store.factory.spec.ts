import { SqlitePackIndex } from '@app/metadata';
import { MongoPackIndex } from '@app/metadata/mongodb';
import { BlobStore, LocalFsBlobStore, LocalPackFiles, LocalUploadStore, PackedBlobStore, PackedBlobStoreOptions } from '@app/storage';
import { S3BlobStore, S3PackFiles, S3UploadStore } from '@app/storage/s3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load-config';
import { createBlobStore, createUploadStore } from './store.factory';

describe('createBlobStore', () => {
  const sut = (env: Record<string, string>) => createBlobStore(loadConfig({ HOARD_DATA_DIR: '/tmp/hoard-factory-spec', ...env }));

  it('packs small content by default, on local storage with SQLite', () => {
    expect(sut({})).toBeInstanceOf(PackedBlobStore);
  });

  it('packs small content on S3 and with MongoDB too: S3 pack files, the MongoDB pack index', () => {
    const s3 = { HOARD_STORAGE: 's3', S3_BUCKET: 'hoard', S3_ENDPOINT: 'http://127.0.0.1:1', S3_REGION: 'us-east-1' };
    const mongo = { HOARD_METADATA: 'mongodb', MONGODB_URI: 'mongodb://127.0.0.1:1' };
    const parts = (store: BlobStore) => {
      const { loose, files, index } = (store as unknown as { options: PackedBlobStoreOptions }).options;
      return [loose.constructor, files.constructor, index.constructor];
    };
    expect(parts(sut(s3))).toEqual([S3BlobStore, S3PackFiles, SqlitePackIndex]);
    expect(parts(sut(mongo))).toEqual([LocalFsBlobStore, LocalPackFiles, MongoPackIndex]);
    expect(parts(sut({ ...s3, ...mongo }))).toEqual([S3BlobStore, S3PackFiles, MongoPackIndex]);
  });

  it('still reads packs with a threshold of 0, which packs nothing new, on local storage and on S3', () => {
    expect(sut({ HOARD_PACK_THRESHOLD: '0' })).toBeInstanceOf(PackedBlobStore);
    const store = sut({ HOARD_PACK_THRESHOLD: '0', HOARD_STORAGE: 's3', S3_BUCKET: 'hoard', S3_ENDPOINT: 'http://127.0.0.1:1' });
    expect(store).toBeInstanceOf(PackedBlobStore);
  });

  it('refuses a threshold over 16 MiB: small content is held in memory until its flush', () => {
    expect(() => sut({ HOARD_PACK_THRESHOLD: String(16 * 1024 * 1024 + 1) })).toThrow(/HOARD_PACK_THRESHOLD/);
  });
});

describe('createUploadStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hoard-factory-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sut = (env: Record<string, string>) => createUploadStore(loadConfig({ HOARD_DATA_DIR: dir, ...env }), 3_600_000);

  it('keeps uploads as files under <data>/uploads on local storage, as S3 multipart uploads on S3, with the expiry', async () => {
    const local = sut({});
    expect(local).toBeInstanceOf(LocalUploadStore);
    expect(local.getExpiration()).toBe(3_600_000);
    expect(statSync(join(dir, 'uploads')).isDirectory()).toBe(true);
    const s3 = sut({ HOARD_STORAGE: 's3', S3_BUCKET: 'hoard', S3_ENDPOINT: 'http://127.0.0.1:1', S3_REGION: 'us-east-1' });
    expect(s3).toBeInstanceOf(S3UploadStore);
    expect(s3.getExpiration()).toBe(3_600_000);
    await s3.close();
  });
});

import { createHash } from 'node:crypto';
import { EMPTY_SHA256, type Sha256, sha256Of } from '@app/contracts';
import type { BlobRegistry } from '../blob-registry';
import type { FileRecordStore } from '../file-record-store';
import type { MetadataStore } from '../metadata-store';
import type { FileToRecord, ObjectFields } from '../metadata-types';
import type { ObjectRecordStore } from '../object-record-store';

/** Builds a fresh, initialised store for one test (an empty database) and disposes of it afterwards. */
export type StoreFactory<T> = () => Promise<{ sut: T; cleanup(): Promise<void> }>;

/** A factory of whole adapters, which serves every port's suite. */
export type MetadataStoreFactory = StoreFactory<MetadataStore>;

/**
 * What the file and registry suites need: records (hosts' files and objects), and the registry that decides whether
 * their content is there.
 */
export type RecordsAndRegistry = FileRecordStore & BlobRegistry & ObjectRecordStore;

/** Gives each test a fresh store as `ctx.sut`. */
export function useFreshStore<T>(factory: StoreFactory<T>): { sut: T } {
  const ctx = {} as { sut: T };
  let cleanup: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const made = await factory();
    ctx.sut = made.sut;
    cleanup = made.cleanup;
  });
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });
  return ctx;
}

/** A digest made from a label, so tests read `digest('a')` rather than 64 hex characters. */
export function digest(label: string): Sha256 {
  return sha256Of(createHash('sha256').update(label));
}

/** The digest of the empty content (what a symlink record carries). */
export const EMPTY = EMPTY_SHA256;

/** A fixed point in time, `seconds` after the start of 2026. */
export function at(seconds: number): Date {
  return new Date(Date.UTC(2026, 0, 1) + seconds * 1000);
}

export function meta(filepath: string, content: string, extra: Partial<FileToRecord> = {}): FileToRecord {
  return { hostname: 'host-a', filepath, sha256: digest(content), size: content.length, ...extra };
}

/** An object version of `key` in `bucket` (default `bucket-a`) with `content`, as the objects service records one. */
export function objectVersion(
  key: string,
  content: string,
  fields: Partial<ObjectFields> = {},
  bucket = 'bucket-a',
): FileToRecord & { object: ObjectFields } {
  return {
    namespace: 'bucket',
    hostname: bucket,
    filepath: key,
    sha256: digest(content),
    size: content.length,
    object: { content_type: 'application/octet-stream', metadata: {}, expires_at: null, delete_after_download: false, ...fields },
  };
}

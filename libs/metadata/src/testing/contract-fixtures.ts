import { createHash } from 'node:crypto';
import type { FileMetadata } from '@app/contracts';
import type { MetadataStore } from '../metadata-store';

/** Builds a fresh, initialised store for one test and disposes of it afterwards. */
export type MetadataStoreFactory = () => Promise<{ sut: MetadataStore; cleanup(): Promise<void> }>;

/** Gives each test a fresh store as `ctx.sut`. */
export function useFreshStore(factory: MetadataStoreFactory): { sut: MetadataStore } {
  const ctx = {} as { sut: MetadataStore };
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
export function digest(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

/** The digest of the empty content (what a symlink record carries). */
export const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** A fixed point in time, `seconds` after the start of 2026. */
export function at(seconds: number): Date {
  return new Date(Date.UTC(2026, 0, 1) + seconds * 1000);
}

export function meta(filepath: string, content: string, extra: Partial<FileMetadata> = {}): FileMetadata {
  return { hostname: 'host-a', filepath, sha256: digest(content), size: content.length, ...extra };
}

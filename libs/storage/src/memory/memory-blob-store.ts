import { Readable, Writable } from 'node:stream';
import type { Sha256 } from '@app/contracts';
import { pipeline } from 'node:stream/promises';
import type { BlobStat, BlobStore, ByteRange, ListOptions, PutOptions, PutResult } from '../blob-store';
import { checkRange } from '../shared/byte-range';
import { digestParts } from '../shared/digest-path';
import { HashingMeter } from '../shared/hashing-meter';
import { PutDriver, verifiedPut } from '../shared/verified-put';
import { blobNotFound, classifyPutFailure, digestMismatch } from '../shared/store-errors';

/**
 * Blobs in a Map, with the same verification and never-overwrite rules as the real drivers. For unit tests of
 * the services only: it holds every blob in memory.
 */
export class MemoryBlobStore implements BlobStore {
  readonly kind = 'memory';
  private readonly blobs = new Map<Sha256, Buffer>();
  /** Blobs moved aside by `quarantine`, as `<sha>.<n>`. */
  readonly quarantined = new Map<string, Buffer>();

  async init(): Promise<void> {}

  async put(sha256: Sha256, body: Readable, options: PutOptions = {}): Promise<PutResult> {
    return verifiedPut(this.putDriver, sha256, body, options);
  }

  private readonly putDriver: PutDriver = {
    holds: async (sha) => this.blobs.has(sha),
    writeNew: async (sha, body, options) => {
      const meter = new HashingMeter(options);
      const chunks: Buffer[] = [];
      const collect = new Writable({
        write: (chunk: Buffer, _encoding, callback) => {
          chunks.push(chunk);
          callback();
        },
      });
      await pipeline(body, meter, collect).catch((error) => {
        throw classifyPutFailure(error, undefined, 'memory');
      });
      const actual = meter.digest();
      if (actual !== sha) throw digestMismatch(sha, actual);
      const created = !this.blobs.has(sha);
      if (created) this.blobs.set(sha, Buffer.concat(chunks));
      return { size: meter.bytes, created };
    },
  };

  async stat(sha256: Sha256): Promise<BlobStat | null> {
    const { sha } = digestParts(sha256);
    const blob = this.blobs.get(sha);
    return blob ? { sha256: sha, size: blob.length } : null;
  }

  async read(sha256: Sha256, range?: ByteRange): Promise<Readable> {
    const { sha } = digestParts(sha256);
    const blob = this.blobs.get(sha);
    if (!blob) throw blobNotFound(sha);
    if (range) checkRange(range, blob.length);
    const bytes = range ? blob.subarray(range.start, range.end + 1) : blob;
    const stream = new Readable({ read: () => undefined });
    if (bytes.length > 0) stream.push(Buffer.from(bytes));
    stream.push(null);
    return stream;
  }

  async delete(sha256: Sha256): Promise<boolean> {
    return this.blobs.delete(digestParts(sha256).sha);
  }

  async deleteMany(sha256s: readonly Sha256[]): Promise<boolean[]> {
    return sha256s.map((sha256) => this.blobs.delete(digestParts(sha256).sha));
  }

  async quarantine(sha256: Sha256): Promise<boolean> {
    const { sha } = digestParts(sha256);
    const blob = this.blobs.get(sha);
    if (!blob) return false;
    this.quarantined.set(`${sha}.${this.quarantined.size}`, blob);
    this.blobs.delete(sha);
    return true;
  }

  /**
   * Replaces a stored blob's bytes behind the store's back, as a failing disk would (for tests of what readers and
   * uploads do with corrupt content).
   */
  corrupt(sha256: Sha256, bytes: Buffer): void {
    this.blobs.set(digestParts(sha256).sha, bytes);
  }

  async *list(options: ListOptions = {}): AsyncIterable<BlobStat> {
    const after = options.after ?? '';
    let left = options.limit ?? Number.POSITIVE_INFINITY;
    const digests = [...this.blobs.keys()].filter((sha) => sha > after).sort();
    for (const sha of digests) {
      if (left-- <= 0) return;
      const blob = this.blobs.get(sha);
      if (blob) yield { sha256: sha, size: blob.length };
    }
  }

  async ping(): Promise<void> {}

  async freeBytes(): Promise<number | null> {
    return null;
  }

  async close(): Promise<void> {}
}

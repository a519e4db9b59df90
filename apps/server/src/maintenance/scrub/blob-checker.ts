import { type ByteRateLimit, HoardError, type Sha256 } from '@app/contracts';
import type { BlobRegistry } from '@app/metadata';
import { type BlobStore, StoredCopyCorrupt } from '@app/storage';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Verdict } from './scrub-tally';
import { mustBeStored, type ScrubItem } from './scrub-walk';

/** What a checker needs: the stores, the scrub's rate (null: none) and its cancellation. */
export interface BlobCheckerOptions {
  store: BlobStore;
  registry: BlobRegistry;
  limit: ByteRateLimit | null;
  signal: AbortSignal;
}

const isNotFound = (error: unknown) => error instanceof HoardError && error.code === 'not_found';

/**
 * Reads one digest of a scrub's walk whole, through the BlobStore port (a loose file, an S3 object or a pack
 * entry alike), hashing it as it streams at the scrub's rate, and says what it found. It changes nothing: the scrub
 * decides what to quarantine. A read the store cannot serve for another reason (the store is down) fails the scrub.
 */
export class BlobChecker {
  constructor(private readonly options: BlobCheckerOptions) {}

  async check(item: ScrubItem): Promise<Verdict> {
    if (item.stored) {
      const read = await this.read(item.sha256, item.stored.size);
      if (read) return read;
    }
    return this.absent(item);
  }

  /**
   * Listed by neither the store nor a read (not_found): missing only when the registry still wants it and the store
   * still has no copy. An upload may have stored and registered it between the store's listing and the registry's
   * page, and a takedown, a collection or a reader's quarantine may have removed it while the scrub passed.
   */
  private async absent(item: ScrubItem): Promise<Verdict> {
    if (!item.required) return { kind: 'skipped' };
    const { store, registry } = this.options;
    const stored = await store.stat(item.sha256);
    if (stored) {
      const read = await this.read(item.sha256, stored.size);
      if (read) return read;
    }
    const entry = (await registry.getBlobs([item.sha256])).get(item.sha256);
    if (!entry || !mustBeStored(entry)) return { kind: 'skipped' };
    if (stored) return { kind: 'missing', detail: 'the store lists a copy it cannot open' };
    return { kind: 'missing', detail: 'the store holds no copy' };
  }

  /** The verdict on the stored copy, or null when the store could not find it after all. */
  private async read(sha256: Sha256, listedSize: number): Promise<Verdict | null> {
    const { store, signal } = this.options;
    if (signal.aborted) throw signal.reason;
    let stream: Readable;
    try {
      stream = await store.read(sha256);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      for await (const chunk of stream) {
        const bytesOf = chunk as Buffer;
        await this.pace(bytesOf.length);
        hash.update(bytesOf);
        bytes += bytesOf.length;
      }
    } catch (error) {
      // A pack entry is hashed by the store before any byte is handed over: its whole length was read.
      if (error instanceof StoredCopyCorrupt) {
        await this.pace(listedSize);
        return { kind: 'corrupt', bytes: listedSize, detail: error.detail };
      }
      if (isNotFound(error) && bytes === 0) return null;
      throw error;
    } finally {
      stream.destroy();
    }
    const actual = hash.digest('hex');
    if (actual === sha256) return { kind: 'ok', bytes };
    return { kind: 'corrupt', bytes, detail: `the stored copy (${bytes} bytes, listed as ${listedSize}) hashes to ${actual}` };
  }

  /** Waits until `bytes` more may be read; throws the reason of a cancellation. */
  private async pace(bytes: number): Promise<void> {
    const { limit, signal } = this.options;
    if (signal.aborted) throw signal.reason;
    if (limit) await limit.take(bytes, signal);
  }
}

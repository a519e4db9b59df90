import { type ByteRateLimit, HoardError, type Sha256 } from '@app/contracts';
import type { BlobRegistry } from '@app/metadata';
import { type BlobStore, type ContentScan, hashStream, type StoredDigest, StoredCopyCorrupt } from '@app/storage';
import type { Verdict } from './scrub-tally';
import { mustBeStored, type ScrubItem } from './scrub-walk';

/** What a checker needs: the stores, the scrub's rate (null: none) and its cancellation. */
export interface BlobCheckerOptions {
  store: BlobStore;
  scan: ContentScan;
  registry: BlobRegistry;
  limit: ByteRateLimit | null;
  signal: AbortSignal;
}

const isNotFound = (error: unknown) => error instanceof HoardError && error.code === 'not_found';

/** The verdict on bytes read under `sha256` (listed as `listedSize` bytes). */
export function verdictOf(sha256: string, listedSize: number, read: StoredDigest): Verdict {
  if (read.sha256 === sha256) return { kind: 'ok', bytes: read.bytes };
  return {
    kind: 'corrupt',
    bytes: read.bytes,
    detail: `the stored copy (${read.bytes} bytes, listed as ${listedSize}) hashes to ${read.sha256}`,
  };
}

/**
 * Checks one digest of a scrub's walk and says what it found; it changes nothing (the scrub decides what to
 * quarantine). A loose copy is read whole and hashed off the event loop where the store can (ContentScan.hashLoose);
 * content looked at through the BlobStore port (a packed entry that did not hash right in its pack's sequential
 * read, content found only on a second look) is read as readers read it. Everything is read at the scrub's rate. A
 * read the store cannot serve for another reason (the store is down) fails the scrub.
 */
export class BlobChecker {
  constructor(private readonly options: BlobCheckerOptions) {}

  /** Reads a loose copy the walk listed, or looks for content the registry wants that the walk did not list. */
  async check(item: ScrubItem): Promise<Verdict> {
    if (item.stored) {
      const read = await this.hashLoose(item.sha256, item.stored.size);
      if (read) return read;
    }
    return this.absent(item);
  }

  /**
   * Looks at `sha256` again through the BlobStore port: a packed entry whose bytes in its pack were not its
   * content, or that its pack's sequential read could not reach. The store reads the entry where the index points
   * now, so that an entry moved or removed meanwhile is judged by what a reader would get.
   */
  async recheck(sha256: Sha256, listedSize: number): Promise<Verdict> {
    const read = await this.read(sha256, listedSize);
    if (read) return read;
    const entry = (await this.options.registry.getBlobs([sha256])).get(sha256);
    return this.absent({ sha256, stored: null, required: entry && mustBeStored(entry) ? entry : null });
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

  /** The verdict on a loose copy, or null when there is none after all. */
  private async hashLoose(sha256: Sha256, listedSize: number): Promise<Verdict | null> {
    this.throwIfStopped();
    try {
      return verdictOf(sha256, listedSize, await this.options.scan.hashLoose(sha256, this.pace));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** The verdict on the stored copy as the BlobStore port reads it, or null when the store could not find it. */
  private async read(sha256: Sha256, listedSize: number): Promise<Verdict | null> {
    this.throwIfStopped();
    let stream;
    try {
      stream = await this.options.store.read(sha256);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    let bytes = 0;
    const counted = async (n: number) => {
      await this.pace(n);
      bytes += n;
    };
    try {
      return verdictOf(sha256, listedSize, await hashStream(stream, counted));
    } catch (error) {
      // A pack entry is hashed by the store before any byte is handed over: its whole length was read.
      if (error instanceof StoredCopyCorrupt) {
        await this.pace(listedSize);
        return { kind: 'corrupt', bytes: listedSize, detail: error.detail };
      }
      if (isNotFound(error) && bytes === 0) return null;
      throw error;
    }
  }

  /** Waits until `bytes` more may be read; throws the reason of a cancellation. */
  readonly pace = async (bytes: number): Promise<void> => {
    const { limit, signal } = this.options;
    this.throwIfStopped();
    if (limit) await limit.take(bytes, signal);
  };

  private throwIfStopped(): void {
    if (this.options.signal.aborted) throw this.options.signal.reason;
  }
}

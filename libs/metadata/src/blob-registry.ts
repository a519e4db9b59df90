import type { Sha256 } from '@app/contracts';
import type { BlobEntry } from './metadata-types';

/** DI token of the configured {@link BlobRegistry}. */
export const BLOB_REGISTRY = Symbol('BLOB_REGISTRY');

/**
 * The server's registry of verified content: what was stored, what was taken down, what was found corrupt.
 * Adapters: sqlite, mongodb. Safe to call concurrently from several server instances sharing one database;
 * `HoardError('unavailable')` when the database cannot be reached.
 */
export interface BlobRegistry {
  /**
   * Registers verified content of `size` bytes: idempotent; heals a quarantine (the content was stored again and
   * verified) but never lifts a takedown; sets the `size` of every record (every version) of the digest to `size`,
   * the one size that content has. Returns the entry as it now is (`deleted_at` set: it was taken down). The content
   * counts as stored at `now` for garbage collection's grace.
   */
  registerBlob(sha256: Sha256, size: number, now: Date): Promise<BlobEntry>;
  /**
   * Registry entries of these digests (absent ones are not in the map). Content garbage collection has marked reads as
   * absent (unless it was taken down): see ContentCollector.
   */
  getBlobs(sha256s: Sha256[]): Promise<Map<Sha256, BlobEntry>>;
  /**
   * Marks registered content quarantined (its stored copy was found corrupt, the wrong size or missing): it is not
   * available and must be uploaded again. Keeps the first time. False when the digest is not registered.
   */
  quarantineBlob(sha256: Sha256, now: Date): Promise<boolean>;
  /**
   * Takes content down: it stays refused, whatever is uploaded later, until reinstated. Registers it with `size`
   * when it was not registered; an earlier takedown keeps its time.
   */
  takeDownBlob(sha256: Sha256, size: number, now: Date): Promise<void>;
  /** Lifts a takedown: the digest is then unknown, as if never stored. False when it was not taken down. */
  reinstateBlob(sha256: Sha256): Promise<boolean>;
  /**
   * Sets the size of every record of the digest to `size`, the size of its stored content (a record written while
   * its content was being registered). Returns how many records changed.
   */
  setFileSizes(sha256: Sha256, size: number): Promise<number>;
  /**
   * Entries in ascending digest order, strictly after `after` ('' for the first page), at most `limit`: whatever
   * their state (a scrub keeps those whose content must be stored). Paged, so that a walk of millions holds one page.
   */
  listBlobs(after: string, limit: number): Promise<BlobEntry[]>;
}

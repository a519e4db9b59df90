import type { Sha256 } from '@app/contracts';
import type { BlobStat, BlobStore } from './blob-store';
import { LocalFsBlobStore } from './local/local-fs-blob-store';
import type { PackEntry } from './packs/pack-index';
import { hashStream, type Pace, type StoredDigest } from './shared/pool-hash';

export type { Pace, StoredDigest } from './shared/pool-hash';

/**
 * Consecutive entries of one pack (offset order) and their bytes as the pack holds them, in the same order: an
 * entry's bytes are shorter than its length when the pack ends before it.
 */
export interface EntryWindow {
  packId: string;
  entries: PackEntry[];
  bytes: Buffer[];
}

/**
 * A store's content as a scrub reads all of it, beside the BlobStore port (which reads one digest at a time): each
 * pack in one sequential read, its entries in offset order, handed over unverified for the caller to hash (so that
 * nothing is hashed twice); then the loose blobs, each read whole and hashed off the event loop where the store can.
 */
export interface ContentScan {
  /** The ids of the packs the index knows, ascending. */
  packIds(): Promise<string[]>;
  /** The entries of one pack, in offset order. */
  entriesOf(packId: string): Promise<PackEntry[]>;
  /**
   * Reads `entries` (of one pack, in offset order) in one sequential read, from the first one's offset to the last
   * one's end, and hands them over in windows of about `windowBytes` (an entry larger than that alone). `pace` is
   * awaited before each chunk read.
   * @throws HoardError `not_found` when the pack is gone (rewritten since its entries were listed); whatever the read
   * or `pace` throws otherwise, after the windows it could still fill
   */
  readEntries(packId: string, entries: PackEntry[], windowBytes: number, pace?: Pace): AsyncIterable<EntryWindow>;
  /** Those of `sha256s` that are packed now. */
  packed(sha256s: Sha256[]): Promise<Set<string>>;
  /** Loose blobs (those not in packs, and loose copies of packed content) in ascending digest order after `after`. */
  listLoose(after?: Sha256): AsyncIterable<BlobStat>;
  /**
   * A loose blob read whole and hashed: the bytes stored under the digest, whether or not they are its content.
   * @throws HoardError `not_found` when there is no loose copy; whatever `pace` throws
   */
  hashLoose(sha256: Sha256, pace?: Pace): Promise<StoredDigest>;
}

/** The ContentScan of a store without packs: every blob is loose. */
export function looseContentScan(store: BlobStore): ContentScan {
  return {
    packIds: async () => [],
    entriesOf: async () => [],
    readEntries: async function* () {},
    packed: async () => new Set(),
    listLoose: (after) => store.list(after === undefined ? {} : { after }),
    hashLoose: async (sha256, pace) =>
      store instanceof LocalFsBlobStore ? store.hashStored(sha256, pace) : hashStream(await store.read(sha256), pace),
  };
}

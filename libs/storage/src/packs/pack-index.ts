import type { Sha256 } from '@app/contracts';

/** DI token of the configured {@link PackIndex}. */
export const PACK_INDEX = Symbol('PACK_INDEX');

/** Where one packed content lives: `length` bytes at `offset` of pack `packId`. */
export interface PackEntry {
  sha256: Sha256;
  packId: string;
  offset: number;
  length: number;
}

/** One pack as the index knows it. */
export interface PackInfo {
  id: string;
  /** The committed end: every byte of the pack file past it is garbage of an unfinished flush. */
  size: number;
  /** No entry will be appended any more (it reached its size, or its writer gave it up). */
  sealed: boolean;
  /** Entries still referenced, and their bytes: GC rewrites a pack whose `liveBytes / size` fell low. */
  entries: number;
  liveBytes: number;
}

/** Content GC copied out of a pack it rewrites: its new place, and the pack it must still be in for the move to apply. */
export interface PackMove extends PackEntry {
  from: string;
}

/**
 * What one flush makes visible, in one transaction: the packs' new committed ends and their new entries, and the
 * entries moved into them by GC's rewrite of another pack.
 */
export interface PackCommit {
  packs: Array<{ id: string; size: number; sealed: boolean }>;
  entries: PackEntry[];
  moves?: PackMove[];
}

/**
 * The index of packed content: digest -> (pack, offset, length), and each pack's committed end. An entry is visible
 * only once the flush that wrote its bytes committed it, all the entries of a flush together. Implementations:
 * memory (unit specs), SQLite (libs/metadata). Ready for GC (live bytes per pack, entries of a pack, dropping a
 * rewritten pack) and scrub (every entry of every pack).
 */
export interface PackIndex {
  /** Prepares the index (opens, migrates). */
  init(): Promise<void>;

  /**
   * Commits a flush in one transaction: sets each pack's committed end and sealed flag (creating the pack) and
   * adds the entries. An entry whose digest is already indexed is left as it was (the first one stays). A move
   * points a digest's entry at its new place only while the entry is still in the pack it was copied from. A pack
   * is seen sealed only once every entry of the commit that seals it is visible (GC rewrites only sealed packs).
   */
  commit(batch: PackCommit): Promise<void>;

  /** The entry of a digest, or null. */
  lookup(sha256: string): Promise<PackEntry | null>;

  /** The entries of those digests that are packed. */
  lookupMany(sha256s: string[]): Promise<Map<string, PackEntry>>;

  /** Forgets a digest's entry (deleted, quarantined); its bytes stay in the pack until GC rewrites it. */
  remove(sha256: string): Promise<boolean>;

  /** Entries in ascending digest order, strictly after `after`, at most `limit`. */
  list(after: string, limit: number): Promise<PackEntry[]>;

  /** Every pack with its committed end and live share. */
  packs(): Promise<PackInfo[]>;

  /** The entries of one pack in offset order (scrub verifies them; GC copies the live ones). */
  entriesOf(packId: string): Promise<PackEntry[]>;

  /** Removes a pack and any entry still pointing into it (after GC moved its live entries elsewhere). */
  dropPack(packId: string): Promise<void>;

  /** Releases handles. */
  close(): Promise<void>;
}

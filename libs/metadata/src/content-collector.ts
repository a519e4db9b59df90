import type { Sha256 } from '@app/contracts';
import type { BlobEntry } from './metadata-types';

/** DI token of the configured {@link ContentCollector}. */
export const CONTENT_COLLECTOR = Symbol('CONTENT_COLLECTOR');

/** An upload refreshes its claim this often while its body arrives. */
export const UPLOAD_CLAIM_REFRESH_MS = 10 * 60_000;
/** A claim older than this was left by an upload that died: GC no longer heeds it. */
export const UPLOAD_CLAIM_STALE_MS = 60 * 60_000;

/** GC's mark on a registry entry: the run that set it, and whether the content's bytes are being deleted. */
export interface GcMark {
  token: string;
  removing: boolean;
  /** When it was set (or became removing). */
  at: Date;
}

/** A registry entry as garbage collection sees it. */
export interface CollectableEntry {
  sha256: Sha256;
  size: number;
  /** When the content was last stored or newly referenced by a record: the grace period is measured from it. */
  touched_at: Date;
  taken_down: boolean;
  quarantined: boolean;
  mark: GcMark | null;
}

/** What an upload learns when it claims a digest (see {@link ContentCollector.claimUpload}). */
export interface UploadClaim {
  /** Names the claim, to refresh and to release it. */
  id: string;
  /** GC has marked the content: wait until it is unmarked (refreshing the claim), then look again. */
  marked: boolean;
  /** The registry entry as the other reads show it (absent: null). */
  entry: BlobEntry | null;
}

/** Figures of `GET /api/v1/stats` about content nothing refers to. */
export interface ContentTotals {
  /** Stored content (not taken down, not quarantined) that no record references. */
  unreferenced_blobs: number;
  unreferenced_bytes: number;
  /** Content quarantined and not taken down. */
  quarantined_blobs: number;
}

/**
 * The registry operations of garbage collection, and the points where the paths it races hold content against it.
 * Adapters: sqlite, mongodb. The argument needs no transaction and no conditional update (FerretDB, which serves the
 * MongoDB wire protocol here, updates a document by overwriting it with what it read): each party only INSERTS or
 * DELETES documents of its own, and reads the other's after writing its own.
 * - GC marks an entry in a collection only GC writes (`condemn`), THEN looks for records and fresh upload claims of
 *   it (`held`); finding one, it removes its mark (`revert`); else it marks it removing, deletes its bytes, removes
 *   the entry and then its mark (`markRemoving`, `finishRemoval`).
 * - A record is written FIRST, THEN its content is read (`touchReferenced`, or any registry read): a marked entry reads
 *   as absent, so the answer is `upload_required: true`. A read that takes the marks and the entries in two steps
 *   takes the marks FIRST: GC removes an entry before its mark, so a mark missed is then either not set yet or gone
 *   with its entry (read the other way round, a removal finishing between the two reads leaves the entry looking
 *   present and unmarked).
 * - An upload inserts its claim FIRST, THEN reads the mark (`claimUpload`); marked, it waits until the mark is gone.
 * Of two such writes, whichever comes first is seen by the other party's read. So when a record was answered "not
 * required", or an upload found the content stored, GC's look came after that write and saw it: GC deletes nothing
 * under a record answered "not required", nor under an upload that relied on stored bytes.
 */
export interface ContentCollector {
  /** Registry entries in ascending digest order, strictly after `after`, at most `limit`, with GC's marks. */
  registryPage(after: string, limit: number): Promise<CollectableEntry[]>;
  /** The digests among these that a record references (any version, deleted or not) or an upload claimed since `claimsSince`. */
  held(sha256s: Sha256[], claimsSince: Date): Promise<Set<Sha256>>;
  /** Marks these entries condemned by run `token` where no mark exists; returns the digests it marked. */
  condemn(sha256s: Sha256[], token: string, now: Date): Promise<Sha256[]>;
  /** Removes run `token`'s marks of these that are not removing (the content stays). */
  revert(sha256s: Sha256[], token: string): Promise<void>;
  /**
   * Marks removing, for run `token`, these entries that it condemned, and takes over the removals other runs marked
   * before `takeOverBefore` (those runs are gone). Returns the digests now being removed by `token`.
   */
  markRemoving(sha256s: Sha256[], token: string, now: Date, takeOverBefore: Date): Promise<Sha256[]>;
  /** After their bytes were deleted: removes these entries (not a taken-down one), then run `token`'s marks of them. */
  finishRemoval(sha256s: Sha256[], token: string): Promise<number>;
  /** The digests among these that have no registry entry. */
  unregistered(sha256s: Sha256[]): Promise<Sha256[]>;
  /**
   * Registers stored content no entry knows (an upload died between storing and registering), touched `now`, so that
   * it is collected like any unreferenced content once the grace has passed. Returns the digests it registered.
   */
  adopt(blobs: Array<{ sha256: Sha256; size: number }>, now: Date): Promise<Sha256[]>;
  /**
   * After records of these digests were written: notes that they were referenced `now` (for the grace; at most once
   * a minute per entry), then reads their entries as the registry's reads show them (marked ones are absent).
   */
  touchReferenced(sha256s: Sha256[], now: Date): Promise<Map<Sha256, BlobEntry>>;
  /**
   * Before an upload looks for stored content: inserts (or, given its id, refreshes) the upload's claim, THEN reads
   * GC's mark and the entry. Registering the upload afterwards is `BlobRegistry.registerBlob`.
   */
  claimUpload(sha256: Sha256, now: Date, claim?: string): Promise<UploadClaim>;
  /** Removes an upload's claim (it registered its content, or failed). */
  releaseClaim(claim: string): Promise<void>;
  /** Unreferenced and quarantined content, for `/api/v1/stats`. */
  contentTotals(): Promise<ContentTotals>;
}

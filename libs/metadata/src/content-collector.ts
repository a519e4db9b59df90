import type { Sha256 } from '@app/contracts';
import type { BlobEntry } from './metadata-types';

/** DI token of the configured {@link ContentCollector}. */
export const CONTENT_COLLECTOR = Symbol('CONTENT_COLLECTOR');

/** An upload refreshes its claim this often while its body arrives. */
export const UPLOAD_CLAIM_REFRESH_MS = 10 * 60_000;
/** A storing entry whose claim is older than this was left by an upload that died: GC may collect it. */
export const UPLOAD_CLAIM_STALE_MS = 60 * 60_000;

/** A registry entry as garbage collection sees it: every state, the hidden ones included. */
export interface CollectableEntry {
  sha256: Sha256;
  size: number;
  /** When the content was last stored or newly referenced by a record: the grace period is measured from it. */
  touched_at: Date;
  taken_down: boolean;
  quarantined: boolean;
  /** Set while an upload has claimed the digest and not stored it yet (refreshed while its body arrives). */
  storing_since: Date | null;
  /** The run of garbage collection that picked it, until something touches it. */
  condemned_by: string | null;
  /** Set once garbage collection is deleting its bytes: no longer available, and past rescue. */
  removing_since: Date | null;
}

/** What an upload found when it claimed a digest (see {@link ContentCollector.claimUpload}). */
export type UploadClaim =
  /** The digest was unknown: a storing entry now holds it for this upload. */
  | { kind: 'new' }
  /** Another upload's storing entry, refreshed: this upload shares it. */
  | { kind: 'storing' }
  /** Garbage collection is deleting its bytes: wait until the entry is gone, then claim again. */
  | { kind: 'removing' }
  /** Registered content (available, quarantined or taken down); unless taken down it was touched and rescued. */
  | { kind: 'stored'; entry: BlobEntry };

/** Figures of `GET /api/v1/stats` about content nothing refers to. */
export interface ContentTotals {
  /** Stored content (available: not taken down, quarantined, storing or being removed) that no record references. */
  unreferenced_blobs: number;
  unreferenced_bytes: number;
  /** Content quarantined and not taken down. */
  quarantined_blobs: number;
}

/**
 * The registry operations of garbage collection, and the touch points of the paths it races. Adapters: sqlite,
 * mongodb; every write is atomic on ONE registry entry, so the argument below holds on MongoDB (FerretDB) without
 * multi-document transactions.
 *
 * GC, per digest: `condemn` (only an entry untouched since the cutoff) -> `referenced` again -> `revert` if any
 * record appeared -> `markRemoving` (only if still condemned by this run) -> delete the bytes -> `finishRemoval`.
 * A record: the record is written first, then `touchReferenced` touches the entry and clears a condemnation (unless
 * the entry is already removing) and the answer comes from what it returns. Either the touch comes before
 * `markRemoving` (which then finds the condemnation gone and deletes nothing), or after it (the entry is hidden and the
 * record is answered `upload_required: true`); and a record written after GC's first look but before `condemn` is
 * seen by the second `referenced`. So no record answered "not required" points at content GC deletes.
 * An upload claims the digest before storing (`claimUpload`) and settles it after (`settleUpload`); an entry that is
 * storing is never condemned while its claim is fresh, and one that GC took during the upload is never settled.
 */
export interface ContentCollector {
  /** Registry entries in ascending digest order, strictly after `after`, at most `limit`, in every state. */
  registryPage(after: string, limit: number): Promise<CollectableEntry[]>;
  /** The digests among these that at least one record references (any version, deleted or not). */
  referenced(sha256s: Sha256[]): Promise<Set<Sha256>>;
  /**
   * Condemns for run `token` the entries among these that are not taken down, not removing, untouched since `cutoff`,
   * and not storing since `staleClaimsBefore` or later (a storing entry older than that was left by a dead upload).
   * Returns the digests condemned.
   */
  condemn(sha256s: Sha256[], token: string, cutoff: Date, staleClaimsBefore: Date): Promise<Sha256[]>;
  /** Lifts run `token`'s condemnation of these (a record appeared), unless they are already removing. */
  revert(sha256s: Sha256[], token: string): Promise<void>;
  /**
   * Marks removing, for run `token`, the entries among these that it still condemns (untouched since) and that are not
   * taken down; takes over those another run marked removing before `takeOverBefore` (that run is gone). Returns the
   * digests now being removed by `token`: their bytes may be deleted.
   */
  markRemoving(sha256s: Sha256[], token: string, now: Date, takeOverBefore: Date): Promise<Sha256[]>;
  /** Removes the entries run `token` is removing (their bytes are gone); one taken down meanwhile stays, unmarked. */
  finishRemoval(sha256s: Sha256[], token: string): Promise<number>;
  /** The digests among these that have no registry entry at all. */
  unregistered(sha256s: Sha256[]): Promise<Sha256[]>;
  /**
   * Registers stored content no entry knows (an upload died between storing and registering), touched `now`, so that
   * it is collected like any unreferenced content once the grace has passed. Returns the digests it registered.
   */
  adopt(blobs: Array<{ sha256: Sha256; size: number }>, now: Date): Promise<Sha256[]>;
  /**
   * After records of these digests were written: touches their entries and lifts any condemnation, unless removing.
   * Returns the entries as the other registry reads show them (storing or removing ones are absent).
   */
  touchReferenced(sha256s: Sha256[], now: Date): Promise<Map<Sha256, BlobEntry>>;
  /**
   * Before an upload stores content: makes a storing entry for an unknown digest, refreshes a storing one, touches
   * and rescues registered content (a taken-down entry is left as it is), and leaves one being removed alone.
   */
  claimUpload(sha256: Sha256, now: Date): Promise<UploadClaim>;
  /**
   * After an upload stored and verified content of `size` bytes: registers it (heals a quarantine, never lifts a
   * takedown, sets every record's size) and touches it, when the entry the upload claimed is still there: null when
   * it is gone, being removed, or storing although the claim found it `stored` (GC took it during the upload: the
   * bytes the upload relied on may be gone, and it must be sent again).
   */
  settleUpload(sha256: Sha256, size: number, now: Date, claimed: UploadClaim['kind']): Promise<BlobEntry | null>;
  /** Unreferenced and quarantined content, for `/api/v1/stats`. */
  contentTotals(): Promise<ContentTotals>;
}

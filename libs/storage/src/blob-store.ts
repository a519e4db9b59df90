import type { Readable } from 'node:stream';
import type { Sha256 } from '@app/contracts';

/** DI token of the configured {@link BlobStore}. */
export const BLOB_STORE = Symbol('BLOB_STORE');

export interface BlobStat {
  sha256: Sha256;
  size: number;
}

/** Inclusive byte range, as HTTP `Range` names it. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Puts that belong together (one request's parts): a store may hold their writes until its end (see PackBatch). */
export interface PutBatch {
  /** Runs `fn` at the batch's end; false (and nothing noted) when it has ended. */
  whenEnded(fn: () => void): boolean;
}

export interface PutOptions {
  /** Reject with `payload_too_large` once more than this many bytes arrive. */
  maxBytes?: number;
  /** When known (Content-Length), a body of another length is rejected. */
  expectedSize?: number;
  /**
   * The caller's registry has no entry of this digest, so a stored copy of it, if any, is an orphan that nothing
   * refers to: a store may skip looking for one (a packing store then packs small content without a lookup of the
   * loose store, one S3 HEAD per new blob).
   */
  unregistered?: boolean;
  /** The request's batch this put belongs to (see PutBatch). */
  batch?: PutBatch;
  /**
   * A file on this host holding exactly the body's bytes, whose digest the caller computed from those very bytes (it
   * hashed them as it wrote them, or read them back): a store on the same file system may take the file in by a hard
   * link instead of copying the body. It flushes the file first, makes it read-only and never writes to it; the
   * caller must not write to it either, and removes only its own name for it. A store that cannot link it (another
   * file system, S3, memory, content small enough to pack) reads the body as usual.
   */
  adoptFile?: string;
}

export interface PutResult {
  sha256: Sha256;
  size: number;
  /** False when a verified blob of this digest was already stored: it was left as it was. */
  created: boolean;
}

export interface ListOptions {
  /** Only digests strictly greater than this one (resume a listing). */
  after?: Sha256;
  /** Stop after this many. */
  limit?: number;
}

/**
 * Content-addressed storage of verified blobs, by {@link Sha256} digest. A blob is visible under its digest only after every byte
 * has been hashed and matched; a stored blob is never overwritten. Implementations: local-fs, s3, memory.
 *
 * Errors are `HoardError`s: `digest_mismatch`, `payload_too_large`, `invalid_request` (body ended early),
 * `not_found`, `range_not_satisfiable`, `unavailable`, `insufficient_storage` (no room left: a full disk, a quota).
 */
export interface BlobStore {
  /** Short name for logs and /ready (`local`, `s3`, `memory`). */
  readonly kind: string;

  /** Prepares the store (creates directories or checks the bucket, removes temporary leftovers of a crash). */
  init(): Promise<void>;

  /**
   * Streams `body` into the store, hashing as it goes; commits under `sha256` only when the digest matches.
   * On any failure nothing becomes visible and temporary data is removed; the body is drained or destroyed.
   */
  put(sha256: Sha256, body: Readable, options?: PutOptions): Promise<PutResult>;

  /** Size of a stored blob, or null when absent. */
  stat(sha256: Sha256): Promise<BlobStat | null>;

  /**
   * Opens a stored blob for reading, whole or an inclusive range already validated against its size.
   * @throws HoardError `not_found` when absent.
   */
  read(sha256: Sha256, range?: ByteRange): Promise<Readable>;

  /** Removes a blob; true when it existed. */
  delete(sha256: Sha256): Promise<boolean>;

  /**
   * Removes several blobs (garbage collection's page of them): for each digest, in order, true when it existed.
   * Unlike `delete`, a removal need not survive a crash of the machine (local disk: the directories are not flushed):
   * one that a crash undoes leaves a copy no registry entry knows, which GC's orphan sweep finds and removes. A
   * failure may leave some removed and some not.
   */
  deleteMany(sha256s: readonly Sha256[]): Promise<boolean[]>;

  /**
   * Moves a stored blob aside, never deleting it (local: `<root>/.quarantine/<sha>.<time>`; S3: copied under the
   * prefix's `.quarantine/` and then removed from its key): it is no longer read, stat'ed or listed, and a later
   * upload of the digest stores it afresh. For content found corrupt or the wrong size. True when there was one.
   */
  quarantine(sha256: Sha256): Promise<boolean>;

  /** Every stored blob in ascending digest order (for garbage collection and audits). */
  list(options?: ListOptions): AsyncIterable<BlobStat>;

  /** Throws when the store cannot be reached (readiness). */
  ping(): Promise<void>;

  /** Bytes still free for new blobs, or null when the store cannot tell (S3, memory). */
  freeBytes(): Promise<number | null>;

  /** Releases handles. */
  close(): Promise<void>;
}

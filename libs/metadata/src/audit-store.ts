/** DI token of the configured {@link AuditStore}. */
export const AUDIT_STORE = Symbol('AUDIT_STORE');

/** What a request acted on: content by digest, a host's path, an object, a key. */
export type AuditTarget =
  { sha256: string } | { hostname: string; filepath: string } | { bucket: string; key: string } | { key_id: string };

/** The most targets an entry keeps; `count` says how many there were. */
export const MAX_AUDIT_TARGETS = 1000;

/** The `prev_hash` of the first entry of a chain. */
export const AUDIT_GENESIS = '0'.repeat(64);

/**
 * One audit entry as stored. Entries of one writer form a chain (`chain`, `seq` from 1 without gaps), each holding
 * the hash of its predecessor (`prev_hash`) and its own (`hash`, computed by the writer over every other field).
 * `id` sorts by time: the time in milliseconds (13 digits), the chain and the sequence number.
 */
export interface AuditEntry {
  id: string;
  chain: string;
  seq: number;
  at: Date;
  request_id: string;
  key_id: string | null;
  key_name: string | null;
  ip: string;
  action: string;
  status: number;
  bytes: number;
  targets: AuditTarget[];
  count: number;
  prev_hash: string;
  hash: string;
}

/** Which entries: each given field narrows. `since` is inclusive, `until` exclusive. */
export interface AuditFilter {
  since?: Date;
  until?: Date;
  key_id?: string;
  action?: string;
  /** Entries with this digest among their targets. */
  sha256?: string;
  /** Entries with a path of this host among their targets. */
  hostname?: string;
  /** Entries with an object of this bucket among their targets. */
  bucket?: string;
}

export interface AuditQuery extends AuditFilter {
  /** 1..1000 */
  limit: number;
  /** Opaque cursor returned as `nextCursor` by a previous call. */
  cursor?: string;
}

export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

/** Where a chain stands: its last entry as appended, and the last entry pruned from its start (null when none was). */
export interface AuditChainState {
  chain: string;
  head: { seq: number; hash: string };
  pruned: { seq: number; hash: string } | null;
}

/**
 * The audit log: append-only chains of entries, one per writer. Adapters: sqlite, mongodb. Entries with a target are
 * found through an index of their digests, hosts and buckets, never by a scan. Each chain's state is written by its
 * own writer only (appends) or as inserts (prunes), so concurrent instances never update one document.
 * `HoardError('unavailable')` when the database cannot be reached.
 */
export interface AuditStore {
  /** Stores entries (of one or more chains, each chain's in order) and their chains' heads, in one write. */
  appendAuditEntries(entries: AuditEntry[]): Promise<void>;
  /**
   * Newest first: in the order stored on SQLite, by id (time) on MongoDB; the same for one writer.
   * `HoardError('invalid_request')` for a malformed cursor.
   */
  listAuditEntries(query: AuditQuery): Promise<AuditPage>;
  /** Every entry matching, newest first, read a page at a time. */
  streamAuditEntries(filter: AuditFilter, pageSize?: number): AsyncIterable<AuditEntry>;
  /** Every chain, by chain id. */
  auditChains(): Promise<AuditChainState[]>;
  /** Up to `limit` entries of `chain` with a sequence number above `afterSeq`, in order. */
  auditChainEntries(chain: string, afterSeq: number, limit: number): Promise<AuditEntry[]>;
  /**
   * Removes, per chain, the entries up to its last one older than `before` (a chain stays contiguous), noting the
   * last removed entry of each chain as where it now starts. Returns how many were removed.
   */
  pruneAuditEntries(before: Date): Promise<number>;
}

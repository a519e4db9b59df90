import type { FileMetadata, FileStatFields, FileType, Scope } from '@app/contracts';

/** DI token of the configured {@link MetadataStore}. */
export const METADATA_STORE = Symbol('METADATA_STORE');

/** The fields of a record that describe the file as last seen (refreshed on every sighting); absent ones are null. */
export type StatFields = FileStatFields;

/** A file version as the store keeps it (the server adds `content_available`). */
export interface StoredFile extends StatFields {
  id: string;
  hostname: string;
  filepath: string;
  version: number;
  sha256: string;
  first_seen_at: Date;
  last_seen_at: Date;
  deleted_at: Date | null;
  /** What the version is: a file, or a symlink to `link_target` (no content). Part of the version's identity. */
  type: FileType;
  link_target: string | null;
}

export type RecordOutcome = 'created' | 'unchanged';

export interface RecordedFile {
  file: StoredFile;
  status: RecordOutcome;
}

export interface FileQuery {
  hostname?: string;
  /**
   * A directory or a file (no pattern semantics): `/a/b` matches `/a/b` and `/a/b/…`, not `/a/bc`; with a trailing
   * `/` only what is under it. Empty: no filter.
   */
  pathPrefix?: string;
  sha256?: string;
  includeDeleted: boolean;
  /**
   * The records as they were at this time instead of now: for each path, the version current then (the latest first
   * seen by then), left out when the path did not exist yet or was deleted by then (unless `includeDeleted`).
   */
  at?: Date;
  /** 1..1000 */
  limit: number;
  /** Opaque cursor returned as `nextCursor` by a previous call. */
  cursor?: string;
}

export interface FilePage {
  items: StoredFile[];
  nextCursor: string | null;
}

/** The server's registry of verified content (what was stored, what was taken down, what was found corrupt). */
export interface BlobEntry {
  sha256: string;
  /** The content's size, as verified when it was stored. */
  size: number;
  created_at: Date;
  /** When an admin took the content down: it stays refused until reinstated. */
  deleted_at: Date | null;
  /** When the stored copy was found corrupt, truncated or missing and moved aside: the next verified upload heals it. */
  quarantined_at: Date | null;
}

/** What `markFilesSeen` did with the ids it was given. */
export interface SeenOutcome {
  /** How many records it confirmed (their `last_seen_at` refreshed). */
  seen: number;
  /** The ids it did not confirm: unknown, malformed, an older version, deleted, another host's. In input order. */
  stale: string[];
  /** The confirmed ids whose content must be uploaded (see {@link needsUpload}). In input order. */
  uploadRequired: string[];
}

export interface KeyRecord {
  id: string;
  name: string;
  scopes: Scope[];
  /** Hex SHA-256 of the secret; the secret itself is never stored. */
  hash: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface StoreStats {
  /** Current, not deleted records. */
  files: number;
  /** Distinct hostnames among those records. */
  hosts: number;
  /** Registered, not deleted blobs. */
  blobs: number;
  stored_bytes: number;
  /** Sum of sizes of current, not deleted records. */
  logical_bytes: number;
}

/**
 * Metadata persistence: file versions, the blob registry and API keys. Adapters: sqlite, mongodb.
 * Every method is safe to call concurrently from several server instances sharing one database.
 * Adapters throw `HoardError('invalid_request')` for a malformed cursor and `HoardError('unavailable')` when the
 * database cannot be reached.
 */
export interface MetadataStore {
  readonly kind: string;

  /** Connects, creates or migrates the schema and indexes. */
  init(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;

  /**
   * Records what hosts saw, in order. Same (hostname, filepath) with the same digest, type and link target as the
   * current version: refreshes `last_seen_at` and stat fields -> `unchanged`. Otherwise (new path, different
   * content or link, or the current version was deleted) a new version becomes current and the old one stays as history -> `created`.
   */
  recordFiles(files: FileMetadata[], now: Date): Promise<RecordedFile[]>;

  /**
   * Refreshes `last_seen_at` of these records (by id, each given once) when each is the current, not deleted version
   * of a path on `hostname`; the others (unknown, older versions, deleted, another host's) are left alone and come
   * back as stale. Says which confirmed records' content is not available. Lets a host confirm unchanged files
   * without resending them, in one pass over the records.
   */
  markFilesSeen(hostname: string, ids: string[], now: Date): Promise<SeenOutcome>;

  /** Marks the current versions of these paths deleted; returns how many were not deleted before. */
  markPathsDeleted(hostname: string, filepaths: string[], now: Date): Promise<number>;
  /** Marks one version deleted; false when no such id. Deleting a deleted record is a no-op returning true. */
  markFileDeleted(id: string, now: Date): Promise<boolean>;
  /** Marks current versions under a path prefix (as in {@link FileQuery}) on a host deleted; returns how many. */
  markPrefixDeleted(hostname: string, pathPrefix: string, now: Date): Promise<number>;

  getFile(id: string): Promise<StoredFile | null>;
  /** Current versions (and deleted current versions when asked), or those current `at` a time; ordered by id, paginated. */
  listFiles(query: FileQuery): Promise<FilePage>;
  /** The current version at a path (not deleted), or null. */
  currentFile(hostname: string, filepath: string): Promise<StoredFile | null>;
  /** Every version at a path, newest first. */
  fileHistory(hostname: string, filepath: string): Promise<StoredFile[]>;
  /** Current, not deleted records of this digest; the first is the epoch (the earliest record of it). */
  filesWithContent(sha256: string): Promise<StoredFile[]>;
  /** The earliest record ever made of this digest, deleted or not, or null. */
  epochFile(sha256: string): Promise<StoredFile | null>;

  /**
   * Registers verified content of `size` bytes: idempotent; heals a quarantine (the content was stored again and
   * verified) but never lifts a takedown; sets the `size` of every record (every version) of the digest to `size`,
   * the one size that content has. Returns the entry as it now is (`deleted_at` set: it was taken down).
   */
  registerBlob(sha256: string, size: number, now: Date): Promise<BlobEntry>;
  /** Registry entries of these digests (absent ones are not in the map). */
  getBlobs(sha256s: string[]): Promise<Map<string, BlobEntry>>;
  /**
   * Marks registered content quarantined (its stored copy was found corrupt, the wrong size or missing): it is not
   * available and must be uploaded again. Keeps the first time. False when the digest is not registered.
   */
  quarantineBlob(sha256: string, now: Date): Promise<boolean>;
  /**
   * Takes content down: it stays refused, whatever is uploaded later, until reinstated. Registers it with `size`
   * when it was not registered; an earlier takedown keeps its time.
   */
  takeDownBlob(sha256: string, size: number, now: Date): Promise<void>;
  /** Lifts a takedown: the digest is then unknown, as if never stored. False when it was not taken down. */
  reinstateBlob(sha256: string): Promise<boolean>;
  /**
   * Sets the size of every record of the digest to `size`, the size of its stored content (a record written while
   * its content was being registered). Returns how many records changed.
   */
  setFileSizes(sha256: string, size: number): Promise<number>;

  createKey(key: KeyRecord): Promise<void>;
  findKeyByHash(hash: string): Promise<KeyRecord | null>;
  getKey(id: string): Promise<KeyRecord | null>;
  listKeys(): Promise<KeyRecord[]>;
  /** Sets `revoked_at` if not set; false when no such key. */
  revokeKey(id: string, now: Date): Promise<boolean>;
  touchKey(id: string, now: Date): Promise<void>;
  countKeys(): Promise<number>;

  stats(): Promise<StoreStats>;
}

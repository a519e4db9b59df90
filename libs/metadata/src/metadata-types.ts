import type { FileMetadata, FileStatFields, FileType, Scope, Sha256 } from '@app/contracts';

// The shapes the metadata ports share (records, registry entries, keys, totals).

/** The fields of a record that describe the file as last seen (refreshed on every sighting); absent ones are null. */
export type StatFields = FileStatFields;

/**
 * Whose records a version belongs to: a host's files (`hostname` is the host, `filepath` the path) or a bucket's
 * objects (`hostname` is the bucket, `filepath` the key). A host and a bucket of one name never share records.
 */
export type RecordNamespace = 'host' | 'bucket';

/** What an object version carries besides its content; null on a host's file records. */
export interface ObjectFields {
  /** The `Content-Type` it was stored with, served back as is. */
  content_type: string;
  /** User metadata (`X-Hoard-Meta-<name>`), names in lower case. */
  metadata: Record<string, string>;
  /** When it stops being served (`410`); null: never. */
  expires_at: Date | null;
  /** Deleted by its first complete download. */
  delete_after_download: boolean;
}

/**
 * A file as a host saw it, its digest normalized at the edge; or, in the `bucket` namespace, an object version
 * (`hostname` the bucket, `filepath` the key, `object` its fields).
 */
export type FileToRecord = Omit<FileMetadata, 'sha256'> & {
  sha256: Sha256;
  /** Default `host`. */
  namespace?: RecordNamespace;
  /** Required in the `bucket` namespace, absent in the `host` one. */
  object?: ObjectFields;
};

/** A file version as the store keeps it (the server adds `content_available`). */
export interface StoredFile extends StatFields {
  id: string;
  hostname: string;
  filepath: string;
  version: number;
  sha256: Sha256;
  first_seen_at: Date;
  last_seen_at: Date;
  deleted_at: Date | null;
  /** What the version is: a file, or a symlink to `link_target` (no content). Part of the version's identity. */
  type: FileType;
  link_target: string | null;
  namespace: RecordNamespace;
  /** The object's fields in the `bucket` namespace; null for a host's files. */
  object: ObjectFields | null;
}

export type RecordOutcome = 'created' | 'unchanged';

export interface RecordedFile {
  file: StoredFile;
  status: RecordOutcome;
}

export interface FileQuery {
  /** Whose records (default `host`): a listing never mixes a host's files with a bucket's objects. */
  namespace?: RecordNamespace;
  hostname?: string;
  /** Only records of these hostnames (or buckets); with `hostname` too, both must hold. Empty: none. */
  hostnames?: readonly string[];
  /**
   * In the `host` namespace a directory or a file (no pattern semantics): `/a/b` matches `/a/b` and `/a/b/…`, not
   * `/a/bc`; with a trailing `/` only what is under it. In the `bucket` namespace a plain string prefix of the key, as
   * object stores have it (`a/b` matches `a/b`, `a/b/c` and `a/bc`). Empty: no filter.
   */
  pathPrefix?: string;
  sha256?: Sha256;
  includeDeleted: boolean;
  /**
   * The records as they were at this time instead of now: for each path, the version current then (the latest first
   * seen by then), left out when the path did not exist yet or was deleted by then (unless `includeDeleted`).
   */
  at?: Date;
  /** Object versions whose `expires_at` is this time or earlier count as deleted. Default: expiry is not looked at. */
  now?: Date;
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
  sha256: Sha256;
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
  /**
   * The tenants the key is limited to: the hosts and the buckets it alone may see. Both empty: not limited. Either
   * not empty: limited to exactly these (a key naming only hostnames sees no bucket).
   */
  hostnames: string[];
  buckets: string[];
  /** Hex SHA-256 of the secret; the secret itself is never stored. */
  hash: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface StoreStats {
  /** Current, not deleted records of hosts. */
  files: number;
  /** Distinct hostnames among those records. */
  hosts: number;
  /** Current, not deleted object versions (buckets are not hosts). */
  objects: number;
  /** Registered, not deleted blobs. */
  blobs: number;
  stored_bytes: number;
  /** Sum of sizes of current, not deleted records, objects included. */
  logical_bytes: number;
}

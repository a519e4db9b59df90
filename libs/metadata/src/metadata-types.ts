import type { FileMetadata, FileStatFields, FileType, Scope, Sha256 } from '@app/contracts';

// The shapes the metadata ports share (records, registry entries, keys, totals).

/** The fields of a record that describe the file as last seen (refreshed on every sighting); absent ones are null. */
export type StatFields = FileStatFields;

/** A file as a host saw it, its digest normalized at the edge. */
export type FileToRecord = Omit<FileMetadata, 'sha256'> & { sha256: Sha256 };

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
  sha256?: Sha256;
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

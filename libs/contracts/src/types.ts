/** Plain shapes of the HTTP contract (API.md). Server DTOs implement them; the client returns them. */
import type { ErrorCode } from './errors';

export type Scope = 'read' | 'write' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

/** What a record describes: a regular file (its content by digest) or a symbolic link (its target, no content). */
export type FileType = 'file' | 'symlink';
export const FILE_TYPES: readonly FileType[] = ['file', 'symlink'];

/** What a host says about one file it found. */
export interface FileMetadata {
  filepath: string;
  hostname: string;
  sha256: string;
  size: number;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Unix seconds, fractions allowed. */
  mtime?: number;
  atime?: number;
  ctime?: number;
  ip_address?: string;
  /** `file` when absent. A symlink has no content: the empty content's digest and size 0. */
  type?: FileType;
  /** Where a symlink points, as the link says it (only for `type: "symlink"`). */
  link_target?: string;
}

/** The fields of a record that describe the file as last seen; those the host did not send are null. */
export interface FileStatFields {
  size: number;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  mtime: number | null;
  atime: number | null;
  ctime: number | null;
  ip_address: string | null;
}

/** One version of the file at (hostname, filepath). */
export interface FileRecord extends FileStatFields {
  id: string;
  filepath: string;
  hostname: string;
  sha256: string;
  version: number;
  first_seen_at: string;
  last_seen_at: string;
  deleted_at: string | null;
  content_available: boolean;
  type: FileType;
  /** The target of a symlink; null for a file. */
  link_target: string | null;
}

export interface RecordFileResponse extends FileRecord {
  upload_required: boolean;
  upload_url: string | null;
}

export type RecordStatus = 'created' | 'unchanged';

export interface BatchResultItem {
  index: number;
  id: string;
  sha256: string;
  status: RecordStatus;
  /** True when the server lacks the content (never stored, or quarantined): upload it. */
  upload_required: boolean;
  /** False when the content cannot be downloaded now: not stored yet, quarantined, or taken down (then `upload_required` is false too). */
  content_available: boolean;
}

export interface BatchRequest {
  files: FileMetadata[];
}

export interface BatchResponse {
  results: BatchResultItem[];
}

export interface DeletedRequest {
  hostname: string;
  filepaths: string[];
}

/** Confirms that unchanged files are still where they were recorded, by record id. */
export interface SeenRequest {
  hostname: string;
  ids: string[];
}

export interface SeenResponse {
  /** How many records were confirmed (their `last_seen_at` refreshed). */
  seen: number;
  /** Ids that are not a current record on that host (deleted, replaced, unknown): record those files again. */
  stale: string[];
  /** Confirmed ids whose content the server does not have: upload it. */
  upload_required: string[];
}

export interface CountResponse {
  deleted: number;
}

export interface ListFilesQuery {
  hostname?: string;
  /** A directory or a file: `/a/b` matches `/a/b` and `/a/b/…`, not `/a/bc`; `/a/b/` only what is under it. */
  path_prefix?: string;
  sha256?: string;
  include_deleted?: boolean;
  /** ISO time: the records as they were then (the version current at that time). */
  at?: string;
  limit?: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Items<T> {
  items: T[];
}

export interface MissingRequest {
  sha256: string[];
}

export interface MissingResponse {
  missing: string[];
}

export interface PutBlobResponse {
  sha256: string;
  size: number;
  created: boolean;
}

/** One part of `POST /api/v1/blobs/pack`: stored (as a PUT would answer), or refused with an error. */
export type PackItemResult = PutBlobResponse | { sha256: string; error: { code: ErrorCode; message: string } };

export interface CreateKeyRequest {
  name: string;
  scopes: Scope[];
  expires_at?: string;
}

export interface KeyInfo {
  id: string;
  name: string;
  scopes: Scope[];
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface CreatedKey {
  id: string;
  name: string;
  scopes: Scope[];
  key: string;
  created_at: string;
  expires_at: string | null;
}

export interface KeyIdentity {
  id: string;
  name: string;
  scopes: Scope[];
}

export interface Stats {
  files: number;
  hosts: number;
  blobs: number;
  stored_bytes: number;
  logical_bytes: number;
  dedup_ratio: number;
}

export interface ServerInfo {
  name: string;
  version: string;
  docs: string;
}

import type { FileType, Scope, Sha256 } from '@app/contracts';
import type { BlobEntry, KeyRecord, ObjectFields, RecordNamespace, StatFields, StoredFile } from '../metadata-types';

/** A `files` row as better-sqlite3 returns it (times in epoch milliseconds). */
export interface FileRow extends StatFields {
  id: number;
  hostname: string;
  filepath: string;
  version: number;
  sha256: Sha256;
  first_seen_at: number;
  last_seen_at: number;
  deleted_at: number | null;
  is_current: number;
  type: FileType;
  link_target: string | null;
  namespace: RecordNamespace;
  /** The object columns: null (and 0) on a host's rows. `metadata` is a JSON object. */
  content_type: string | null;
  metadata: string | null;
  expires_at: number | null;
  delete_after_download: number;
}

export interface BlobRow {
  sha256: Sha256;
  size: number;
  created_at: number;
  deleted_at: number | null;
  quarantined_at: number | null;
}

export interface KeyRow {
  id: string;
  name: string;
  scopes: string;
  hostnames: string;
  buckets: string;
  hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

export function fromDate(date: Date | null | undefined): number | null {
  return date ? date.getTime() : null;
}

export function toStoredFile(row: FileRow): StoredFile {
  return {
    id: String(row.id),
    hostname: row.hostname,
    filepath: row.filepath,
    version: row.version,
    sha256: row.sha256,
    size: row.size,
    mode: row.mode,
    uid: row.uid,
    gid: row.gid,
    mtime: row.mtime,
    atime: row.atime,
    ctime: row.ctime,
    ip_address: row.ip_address,
    first_seen_at: new Date(row.first_seen_at),
    last_seen_at: new Date(row.last_seen_at),
    deleted_at: toDate(row.deleted_at),
    type: row.type,
    link_target: row.link_target,
    namespace: row.namespace,
    object: row.namespace === 'bucket' ? toObjectFields(row) : null,
  };
}

function toObjectFields(row: FileRow): ObjectFields {
  return {
    content_type: row.content_type ?? 'application/octet-stream',
    metadata: row.metadata === null ? {} : (JSON.parse(row.metadata) as Record<string, string>),
    expires_at: toDate(row.expires_at),
    delete_after_download: row.delete_after_download === 1,
  };
}

/** The object columns of a row from what is recorded (nulls for a host's file). */
export function objectColumns(
  object: ObjectFields | null | undefined,
): Pick<FileRow, 'content_type' | 'metadata' | 'expires_at' | 'delete_after_download'> {
  return {
    content_type: object?.content_type ?? null,
    metadata: object ? JSON.stringify(object.metadata) : null,
    expires_at: fromDate(object?.expires_at),
    delete_after_download: object?.delete_after_download ? 1 : 0,
  };
}

export function toBlobEntry(row: BlobRow): BlobEntry {
  return {
    sha256: row.sha256,
    size: row.size,
    created_at: new Date(row.created_at),
    deleted_at: toDate(row.deleted_at),
    quarantined_at: toDate(row.quarantined_at),
  };
}

export function toKeyRecord(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as Scope[],
    hostnames: JSON.parse(row.hostnames) as string[],
    buckets: JSON.parse(row.buckets) as string[],
    hash: row.hash,
    created_at: new Date(row.created_at),
    expires_at: toDate(row.expires_at),
    last_used_at: toDate(row.last_used_at),
    revoked_at: toDate(row.revoked_at),
  };
}

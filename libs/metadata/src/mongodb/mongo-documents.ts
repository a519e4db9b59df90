import type { ObjectId } from 'mongodb';
import type { Sha256 } from '@app/contracts';
import type { BlobEntry, KeyRecord, ObjectFields, RecordNamespace, StoredFile } from '../metadata-types';
import { statFieldsOf } from '../shared/stat-fields';

/**
 * One version of a file in the `files` collection. `is_current` marks the highest version of its path. An object
 * version has `namespace: 'bucket'` and its fields; a host's file has `namespace: 'host'` (documents written before
 * objects existed are given it at start: see migrateMongoFiles).
 */
export interface FileDoc extends Omit<StoredFile, 'id' | 'type' | 'link_target' | 'namespace' | 'object'> {
  _id: ObjectId;
  is_current: boolean;
  type?: StoredFile['type'];
  link_target?: string | null;
  namespace: RecordNamespace;
  content_type?: string;
  /** A JSON object: user metadata names are any header name, which a document's field names could not all be. */
  metadata?: string;
  expires_at?: Date | null;
  delete_after_download?: boolean;
}

/** The filter of a namespace's documents. */
export function namespaceFilter(namespace: RecordNamespace): { namespace: RecordNamespace } {
  return { namespace };
}

/** The object fields of a new document (none for a host's file). */
export function objectDocFields(namespace: RecordNamespace, object: ObjectFields | undefined): Partial<FileDoc> {
  if (namespace !== 'bucket' || !object) return {};
  return { ...object, metadata: JSON.stringify(object.metadata) };
}

/** A verified content entry in the `blobs` collection, keyed by its digest. */
export interface BlobDoc {
  _id: Sha256;
  size: number;
  created_at: Date;
  deleted_at: Date | null;
  /** Absent in documents written before quarantines existed: read as null. */
  quarantined_at?: Date | null;
  /** When the content was last stored or newly referenced (absent in documents written before GC: created_at). */
  touched_at?: Date | null;
}

/** An API key in the `api_keys` collection, keyed by its id. */
export type KeyDoc = Omit<KeyRecord, 'id' | 'hostnames' | 'buckets'> & {
  _id: string;
  /** Absent on keys made before keys had tenants: not limited. */
  hostnames?: string[];
  buckets?: string[];
};

export function toStoredFile(doc: FileDoc): StoredFile {
  return {
    id: doc._id.toHexString(),
    hostname: doc.hostname,
    filepath: doc.filepath,
    version: doc.version,
    sha256: doc.sha256,
    ...statFieldsOf(doc),
    first_seen_at: doc.first_seen_at,
    last_seen_at: doc.last_seen_at,
    deleted_at: doc.deleted_at ?? null,
    // Documents written before symlinks were recorded have neither field.
    type: doc.type ?? 'file',
    link_target: doc.link_target ?? null,
    namespace: doc.namespace,
    object:
      doc.namespace === 'bucket'
        ? {
            content_type: doc.content_type ?? 'application/octet-stream',
            metadata: doc.metadata ? (JSON.parse(doc.metadata) as Record<string, string>) : {},
            expires_at: doc.expires_at ?? null,
            delete_after_download: doc.delete_after_download ?? false,
          }
        : null,
  };
}

export function toBlobEntry(doc: BlobDoc): BlobEntry {
  return {
    sha256: doc._id,
    size: doc.size,
    created_at: doc.created_at,
    deleted_at: doc.deleted_at ?? null,
    quarantined_at: doc.quarantined_at ?? null,
  };
}

export function toKeyRecord(doc: KeyDoc): KeyRecord {
  return {
    id: doc._id,
    name: doc.name,
    scopes: doc.scopes,
    hostnames: doc.hostnames ?? [],
    buckets: doc.buckets ?? [],
    hash: doc.hash,
    created_at: doc.created_at,
    expires_at: doc.expires_at ?? null,
    last_used_at: doc.last_used_at ?? null,
    revoked_at: doc.revoked_at ?? null,
  };
}

export function fromKeyRecord(key: KeyRecord): KeyDoc {
  return {
    _id: key.id,
    name: key.name,
    scopes: [...key.scopes],
    hostnames: [...key.hostnames],
    buckets: [...key.buckets],
    hash: key.hash,
    created_at: key.created_at,
    expires_at: key.expires_at,
    last_used_at: key.last_used_at,
    revoked_at: key.revoked_at,
  };
}

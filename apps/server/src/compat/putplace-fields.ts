import type { CompatCreatedKey, CreatedKey, FileRecord, PutPlaceFileRecord } from '@app/contracts';

/** A record with PutPlace's names for its fields beside Hoard's own (`_id`, `file_size`, … as PutPlace answers). */
export function withPutPlaceFields<T extends FileRecord>(record: T): T & Omit<PutPlaceFileRecord, keyof FileRecord> {
  return {
    ...record,
    _id: record.id,
    file_size: record.size,
    file_mode: record.mode,
    file_uid: record.uid,
    file_gid: record.gid,
    file_mtime: record.mtime,
    file_atime: record.atime,
    file_ctime: record.ctime,
    is_symlink: record.type === 'symlink',
    has_file_content: record.content_available,
  };
}

/** A key just minted, with PutPlace's names for its secret and id. */
export function withPutPlaceKeyFields(created: CreatedKey): CompatCreatedKey {
  return { ...created, api_key: created.key, _id: created.id, is_active: true };
}

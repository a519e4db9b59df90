import type { FileMetadata } from '@app/contracts';
import type { StatFields } from '../metadata-store';

/** The stat fields of what a host sent, absent ones null. */
export function statFieldsOf(f: FileMetadata): StatFields {
  return {
    size: f.size,
    mode: f.mode ?? null,
    uid: f.uid ?? null,
    gid: f.gid ?? null,
    mtime: f.mtime ?? null,
    atime: f.atime ?? null,
    ctime: f.ctime ?? null,
    ip_address: f.ip_address ?? null,
  };
}

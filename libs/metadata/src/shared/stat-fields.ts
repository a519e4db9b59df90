import type { FileMetadata } from '@app/contracts';

/** The fields of a record that describe the file as last seen (refreshed on every sighting), absent ones null. */
export interface StatFields {
  size: number;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  mtime: number | null;
  atime: number | null;
  ctime: number | null;
  ip_address: string | null;
}

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

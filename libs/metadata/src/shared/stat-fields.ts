import type { FileMetadata } from '@app/contracts';
import type { StatFields } from '../metadata-store';

/** Stat fields as a host sends them (absent when unknown) or as a store kept them (null, or absent in older data). */
type LooseStatFields = Pick<FileMetadata, 'size'> & { [K in Exclude<keyof StatFields, 'size'>]?: StatFields[K] | undefined };

/** The stat fields of what a host sent, or of a stored document, absent ones null. */
export function statFieldsOf(f: LooseStatFields): StatFields {
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

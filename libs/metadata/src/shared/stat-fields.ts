import type { FileMetadata, FileType } from '@app/contracts';
import type { StatFields } from '../metadata-types';

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

/** What identifies a version besides its digest: its type and, for a symlink, its target. */
export function fileKindOf(f: Pick<FileMetadata, 'type' | 'link_target'>): { type: FileType; link_target: string | null } {
  const type = f.type ?? 'file';
  return { type, link_target: type === 'symlink' ? (f.link_target ?? null) : null };
}

import { BigIntStats } from 'node:fs';
import { FileMetadata } from '@app/contracts';
import { FileFingerprint } from '../../io/state-cache/cache-entry';

/** Why an entry that is not a regular file is not recorded, or null for a regular file. */
export function skipReason(st: BigIntStats): string | null {
  if (st.isFile()) return null;
  if (st.isSymbolicLink()) return 'symbolic link (not followed; use --follow-symlinks)';
  if (st.isFIFO()) return 'FIFO (named pipe)';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isDirectory()) return 'directory';
  return 'not a regular file';
}

/** A reason for a file system error, in words, for the failure and skip lists. */
export function ioReason(err: unknown, when: string): string {
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      if (when === 'cannot scan') return 'no such file or directory';
      return `vanished during the scan (${when})`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'replaced by a symbolic link during the scan';
    case 'ENOTREG':
      return 'no longer a regular file';
    default:
      return `${when}: ${(err as Error).message ?? String(err)}`;
  }
}

/** True for errors that mean the file is gone or unreadable (skipped), rather than a failure of the scan. */
export function isSkippable(err: unknown): boolean {
  return ['ENOENT', 'EACCES', 'EPERM', 'ELOOP', 'ENOTREG'].includes((err as { code?: string }).code ?? '');
}

export function fingerprintOf(st: BigIntStats): FileFingerprint {
  return { size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino, dev: st.dev };
}

/** The record sent to the server for a file. Times are Unix seconds with fractions. */
export function metadataOf(
  path: string,
  hostname: string,
  sha256: string,
  st: Pick<BigIntStats, 'size' | 'mode' | 'uid' | 'gid' | 'mtimeNs' | 'atimeNs' | 'ctimeNs'>,
): FileMetadata {
  return {
    filepath: path,
    hostname,
    sha256,
    size: Number(st.size),
    mode: Number(st.mode),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: nsToSeconds(st.mtimeNs),
    atime: nsToSeconds(st.atimeNs),
    ctime: nsToSeconds(st.ctimeNs),
  };
}

function nsToSeconds(ns: bigint): number {
  return Number(ns / 1000n) / 1e6;
}

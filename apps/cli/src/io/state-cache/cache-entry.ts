/** What identifies a file's state without reading it: size, times in nanoseconds, inode and device. */
export interface FileFingerprint {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
  dev: bigint;
}

/** One file the cache remembers: where it is, its fingerprint when it was recorded, its digest and record id. */
export interface CachedFile extends FileFingerprint {
  path: string;
  sha256: string;
  /** The server's id of the record made of this path and digest (null when unknown). */
  recordId: string | null;
}

/** What an exact fingerprint match knows of a path. */
export interface CacheHit {
  sha256: string;
  recordId: string | null;
}

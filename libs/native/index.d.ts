/** One directory's entries ("." and ".." left out), listed and lstat()ed in one call. */
export interface DirScan {
  /** The names, joined by NUL. */
  names: string;
  /** One per entry: a KIND value. */
  kinds: Uint8Array;
  /** One per entry: 0, or the errno of its failed lstat (the entry's kind is then the listing's guess). */
  errnos: Int32Array;
  /**
   * STAT.FIELDS per entry, each at its STAT offset (inode and device as their 64 bits, signed). All zero for
   * directories and for entries whose lstat failed.
   */
  stats: BigInt64Array;
}

/** True when the native helpers were built on this machine. */
export declare const available: boolean;
/** Lists `path`; throws what Node's readdir would (code, errno, syscall 'scandir', path). Null when not built. */
export declare const scanDir: ((path: string) => DirScan) | null;

/**
 * A SHA-256 of what is written to an open file, hashing and writing on the thread pool. Null when not built.
 * With `direct`, the file is written from offset 0 on, and files of 64 KiB or more mostly past the page cache
 * (O_DIRECT, in aligned 1 MiB blocks, where the file system allows it); `finish` must then follow the last write.
 * A `size` declared under 64 KiB makes it write as without `direct`.
 */
export declare const FileHasher: {
  new (
    fd: number,
    options?: { direct?: boolean; size?: number },
  ): {
    /**
     * The descriptor written to. It may be changed between calls to another descriptor of the same file, open for
     * appending where the last write ended (the next part of one upload, written after the file was reopened).
     */
    fd: number;
    /** Hashes `buffers` in order, then writes them all after what was written before (short writes resumed). */
    write(buffers: Buffer[], callback: (error: NodeJS.ErrnoException | null) => void): void;
    /** Writes whatever direct mode still holds; once, after the last write, before the file is flushed. */
    finish(callback: (error: NodeJS.ErrnoException | null) => void): void;
    /** Bytes written past the page cache so far. */
    readonly directBytes: number;
    /** The hex digest of everything written; once, with no write in flight. */
    digest(): string;
  };
} | null;

/**
 * A SHA-256 computed on the thread pool, of a file read there (the bytes never enter JavaScript memory) or of
 * buffers handed over; one call at a time, then `digest()` once. Null when not built.
 */
export declare const PoolHasher: {
  new (): {
    /** Reads up to `length` bytes of `fd` from `position` and hashes them; `bytesRead` is less at the end of the file. */
    readFrom(
      fd: number,
      position: number,
      length: number,
      callback: (error: NodeJS.ErrnoException | null, bytesRead: number) => void,
    ): void;
    /** Hashes `buffers` in order. */
    update(buffers: Buffer[], callback: (error: NodeJS.ErrnoException | null) => void): void;
    /** The hex digest of everything hashed; once, with no call in flight. */
    digest(): string;
  };
} | null;

/** The hex SHA-256 of each buffer on its own, computed on the thread pool (many small ones per call). Null when not built. */
export declare const digestEach:
  ((buffers: Buffer[], callback: (error: NodeJS.ErrnoException | null, digests: string[]) => void) => void) | null;

export declare const KIND: Readonly<{ OTHER: 0; FILE: 1; DIR: 2; LINK: 3 }>;
/**
 * Where each field of an entry's stat record is in `DirScan.stats` (entry `i` starts at `i * STAT.FIELDS`): size,
 * times in nanoseconds, inode, device, mode, uid and gid.
 */
export declare const STAT: Readonly<{
  SIZE: 0;
  MTIME_NS: 1;
  CTIME_NS: 2;
  INO: 3;
  DEV: 4;
  MODE: 5;
  UID: 6;
  GID: 7;
  ATIME_NS: 8;
  FIELDS: 9;
}>;

/**
 * Returns the C heap's free memory to the system (glibc's malloc_trim): what a busy stretch freed stays resident
 * until then. True when some was returned; always false where the C library offers no such call. Null when not built.
 */
export declare const trimHeap: (() => boolean) | null;

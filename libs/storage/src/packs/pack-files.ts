import type { Readable } from 'node:stream';

/** An open pack being appended to. Its one owner is the PackWriter; nothing else writes the file. */
export interface PackAppender {
  readonly id: string;
  /** Writes `buffers` at `position` (the caller reserves positions, so writes may run side by side). */
  write(buffers: Buffer[], position: number): Promise<void>;
  /** Flushes every write that has resolved to the disk (one fdatasync). */
  datasync(): Promise<void>;
  /** Closes the file once no write to it is in flight any more. Idempotent. */
  close(): Promise<void>;
}

/** A pack file as listed. */
export interface PackFileStat {
  id: string;
  size: number;
  modifiedAt: number;
}

/**
 * The bytes of packs (local: `<root>/packs/<id[0:2]>/<id>`; S3 would keep a sealed pack as one object). Which bytes
 * of a pack count is the {@link PackIndex}'s business: the committed end and the entries.
 */
export interface PackFiles {
  /**
   * True when a pack is sealed by its first datasync (S3: the staged pack goes up as one object, which cannot be
   * appended to): the writer then puts each flush of a pack in a pack of its own and commits it sealed.
   */
  readonly sealsOnSync: boolean;
  /** Creates a new, empty pack (the name must be new) and makes its name durable. */
  create(id: string): Promise<PackAppender>;
  /** Streams `length` bytes of a pack from `offset`. @throws HoardError not_found when the pack is absent. */
  read(id: string, offset: number, length: number): Promise<Readable>;
  /** Reads `length` bytes of a pack from `offset` whole (for small entries, hashed before they are sent). */
  readBytes(id: string, offset: number, length: number): Promise<Buffer>;
  /** Every pack file present, with its size and when it was last written (ms since 1970: mtime, S3 LastModified). */
  list(): Promise<PackFileStat[]>;
  /** Cuts a pack back to `size` bytes (the garbage of an unfinished flush) and makes that durable. */
  truncate(id: string, size: number): Promise<void>;
  /** Removes a pack file; false when there was none. */
  remove(id: string): Promise<boolean>;
}

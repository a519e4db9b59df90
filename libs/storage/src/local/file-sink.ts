import { FileHasher } from '@hoard/native';
import { createHash, Hash } from 'node:crypto';
import { writev } from 'node:fs';
import { Writable } from 'node:stream';
import type { PutOptions } from '../blob-store';
import { overLimits, shortOfLimits } from '../shared/hashing-meter';
import { dropBytes } from '../shared/buffers';

/** The native writer of a {@link HashingFileSink}: a digest and a file position that may outlive the sink. */
export type NativeFileHasher = InstanceType<NonNullable<typeof FileHasher>>;

/** Bytes gathered before a write is started. */
const BATCH_BYTES = 512 * 1024;

/**
 * A Writable onto an open file descriptor that hashes (SHA-256) and counts what it writes, enforcing the limits of
 * {@link PutOptions} as HashingMeter does, and leaves the file open when it finishes (the owner syncs and closes it,
 * but only once {@link HashingFileSink.whenIdle} has resolved: see TempBlobFile).
 * Chunks are gathered until BATCH_BYTES are held (or the body ends) and go down together, so that the many small
 * chunks a socket delivers become a few large writes, each a single task.
 *
 * With the native helpers (libs/native), each batch is hashed and written by one task on the thread pool: the event
 * loop, which receives every upload, neither hashes nor waits for the disk, and files of 64 KiB or more are written
 * mostly past the page cache (the file must be new: it is written from offset 0). Without them, it hashes here and
 * writes with fs.writev.
 *
 * A sink may go on with the native writer of an earlier one (`continued`: the next part of one upload): its digest
 * then covers both, and it writes where that one stopped, so the descriptor must be open for appending at that point.
 */
export class HashingFileSink extends Writable {
  /** Bytes taken so far. */
  bytes = 0;
  /** The error of a failed write to the file (disk full, I/O error), as opposed to a failure of the source. */
  failure?: Error;
  private readonly native: NativeFileHasher | null;
  private readonly hash: Hash | null;
  /** A write is on the thread pool. */
  private writing = false;
  /** What destroy() waits to run until that write is over. */
  private afterWrite: (() => void) | null = null;
  /** Chunks taken but not yet written (fewer than BATCH_BYTES). */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Settles once the stream has closed: finished, or destroyed after its last write was over. */
  private readonly idle: Promise<void>;

  constructor(
    private readonly fd: number,
    highWaterMark: number,
    private readonly limits: PutOptions = {},
    useNative = FileHasher !== null,
    continued?: NativeFileHasher,
  ) {
    super({ highWaterMark });
    this.idle = new Promise((resolve) => this.once('close', () => resolve()));
    if (continued) continued.fd = fd;
    this.native = continued ?? (useNative && FileHasher ? new FileHasher(fd, { direct: true, size: limits.expectedSize }) : null);
    this.hash = this.native ? null : createHash('sha256');
  }

  /**
   * Resolves once no write to the file is in flight and none can start any more: the stream finished, or it was
   * destroyed and the write it was waiting for is over. Until then the descriptor must stay open and unused.
   * A stream that is neither finished nor destroyed never gets there: destroy it first.
   */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  /** The native writer (null without the helpers): a later sink may go on with it. */
  get nativeHasher(): NativeFileHasher | null {
    return this.native;
  }

  /** Hex digest of everything written; call once, after the stream finished. */
  digest(): string {
    return this.native ? this.native.digest() : this.hash!.digest('hex');
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.take([chunk], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, callback: (error?: Error | null) => void): void {
    this.take(
      chunks.map((entry) => entry.chunk),
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    const short = shortOfLimits(this.bytes, this.limits);
    if (short) return callback(short);
    const native = this.native;
    const finish = (): void => {
      // Destroyed while the last chunks were written: nothing more goes to the file.
      if (!native || this.destroyed) return callback();
      this.writing = true;
      native.finish((error) => this.written(error, callback));
    };
    if (this.heldBytes === 0) return finish();
    this.writeHeld((error) => (error ? callback(error) : finish()));
  }

  /**
   * Destroyed (the upload failed or was cut) while a write is on the thread pool: finish destroying only once it
   * is over, so that the owner, which closes the file when the stream has closed, never closes it under that write.
   */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.writing) return callback(error);
    this.afterWrite = () => callback(error);
  }

  /** A write (or the native finish) is over: report it, then let a destroy() that waited for it go on. */
  private written(error: Error | null, callback: (error?: Error | null) => void): void {
    this.writing = false;
    if (error) this.failure = error;
    callback(error);
    const after = this.afterWrite;
    this.afterWrite = null;
    after?.();
  }

  private take(buffers: Buffer[], callback: (error?: Error | null) => void): void {
    let next = this.bytes;
    for (const buffer of buffers) next += buffer.length;
    const over = overLimits(next, this.limits);
    if (over) return callback(over);
    this.heldBytes += next - this.bytes;
    this.bytes = next;
    for (const buffer of buffers) this.held.push(buffer);
    if (this.heldBytes < BATCH_BYTES) return callback();
    this.writeHeld(callback);
  }

  /** Hashes and writes the chunks held; the callback runs once they are on the disk (or failed). */
  private writeHeld(callback: (error?: Error | null) => void): void {
    const buffers = this.held;
    this.held = [];
    this.heldBytes = 0;
    this.writing = true;
    const done = (error: Error | null) => this.written(error, callback);
    if (this.native) return this.native.write(buffers, done);
    for (const buffer of buffers) this.hash!.update(buffer);
    writeAll(this.fd, buffers, done);
  }
}

/** Writes every byte of `buffers` at the file's position, resuming after short writes. */
function writeAll(fd: number, buffers: Buffer[], callback: (error: Error | null) => void): void {
  writev(fd, buffers, (error, written) => {
    if (error) return callback(error);
    const rest = dropBytes(buffers, written);
    if (rest.length === 0) return callback(null);
    writeAll(fd, rest, callback);
  });
}

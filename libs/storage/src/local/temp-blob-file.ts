import { createHash } from 'node:crypto';
import { close, fchmod, fdatasync, fstat, open, read } from 'node:fs';
import { promisify } from 'node:util';
import type { PutOptions } from '../blob-store';
import { HashingFileSink } from './file-sink';

const openAsync = promisify(open);
const closeAsync = promisify(close);
const fchmodAsync = promisify(fchmod);
const fstatAsync = promisify(fstat);
const syncAsync = promisify(fdatasync);
const readAsync = promisify(read);

/** An upload's temporary file: readable and writable by the server's user only, whatever the umask. */
const TEMP_MODE = 0o600;
/** A stored blob: read-only to the server's user, nothing to anyone else. */
export const BLOB_MODE = 0o400;
const REREAD_CHUNK = 256 * 1024;

/** The temporary file does not hold what was hashed (a write went astray): it must not become a blob. */
export class TempFileMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TempFileMismatch';
  }
}

/**
 * The temporary file of one upload and the sole owner of its descriptor. The file is written only by its one
 * {@link HashingFileSink} (on the thread pool with the native helpers), and the descriptor is closed only by
 * {@link close}, which first waits until that sink can run no write any more, however the upload ended (finished,
 * failed, or cut off while a write was in flight). So a descriptor number is never handed to another upload's file
 * while a write to it could still land. Nothing outside this class sees the descriptor.
 */
export class TempBlobFile {
  private made?: HashingFileSink;
  private closing?: Promise<void>;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly useNative: boolean,
  ) {}

  /** Creates `path` (it must not exist) with mode 0600 set explicitly, past the umask. */
  static async create(path: string, useNative: boolean): Promise<TempBlobFile> {
    const fd = await openAsync(path, 'wx+', TEMP_MODE); // read too: seal() reads it back
    try {
      await fchmodAsync(fd, TEMP_MODE);
    } catch (error) {
      await closeAsync(fd).catch(() => undefined);
      throw error;
    }
    return new TempBlobFile(path, fd, useNative);
  }

  /** The one sink that writes this file (hashing what it writes); made once. */
  sink(highWaterMark: number, limits: PutOptions): HashingFileSink {
    if (this.made || this.closing) throw new Error('a temporary blob file has exactly one sink');
    this.made = new HashingFileSink(this.fd, highWaterMark, limits, this.useNative);
    return this.made;
  }

  /**
   * Makes a fully written file ready to be linked as blob `sha`: flushes it to the disk, checks that it holds exactly
   * the `bytes` its sink hashed (its size always; its bytes too, read back and hashed, when it is smaller than
   * `rereadBelow`), then makes it read-only (0400).
   * @throws TempFileMismatch when the file is not what was hashed; a system error when a call fails.
   */
  async seal(sha: string, bytes: number, rereadBelow: number): Promise<void> {
    if (!this.made?.writableFinished || this.closing) throw new Error('only a finished, open file can be sealed');
    await syncAsync(this.fd);
    const { size } = await fstatAsync(this.fd);
    if (size !== bytes) throw new TempFileMismatch(`the temporary file holds ${size} bytes where ${bytes} were hashed`);
    if (bytes < rereadBelow) {
      const actual = await this.hashContent(bytes);
      if (actual !== sha) throw new TempFileMismatch(`the temporary file hashes to ${actual}, not to ${sha}`);
    }
    await fchmodAsync(this.fd, BLOB_MODE);
  }

  /**
   * Closes the descriptor once no write can reach it: a sink still open is destroyed and its write in flight, if
   * any, awaited first. Idempotent; every way out of an upload ends here.
   */
  close(): Promise<void> {
    this.closing ??= this.closeWhenIdle();
    return this.closing;
  }

  private async closeWhenIdle(): Promise<void> {
    const sink = this.made;
    if (sink) {
      sink.destroy();
      await sink.whenIdle();
    }
    await closeAsync(this.fd).catch(() => undefined);
  }

  /** SHA-256 of the file's first `bytes` bytes, read back through the descriptor. */
  private async hashContent(bytes: number): Promise<string> {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(Math.min(REREAD_CHUNK, Math.max(bytes, 1)));
    for (let offset = 0; offset < bytes;) {
      const { bytesRead } = await readAsync(this.fd, buffer, 0, Math.min(buffer.length, bytes - offset), offset);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      offset += bytesRead;
    }
    return hash.digest('hex');
  }
}

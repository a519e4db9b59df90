import { writev } from 'node:fs';
import { Writable } from 'node:stream';

/**
 * A Writable onto an open file descriptor that leaves the file open when it finishes (the owner syncs and closes
 * it). Chunks buffered while a write is in flight go down together in one `writev`, so small network chunks
 * become large writes.
 */
export class FileSink extends Writable {
  /** The error of a failed write to the file (disk full, I/O error), as opposed to a failure of the source. */
  failure?: Error;

  constructor(
    private readonly fd: number,
    highWaterMark: number,
  ) {
    super({ highWaterMark });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeAll([chunk], callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.writeAll(
      chunks.map((entry) => entry.chunk),
      callback,
    );
  }

  /** Writes every byte of `buffers` at the current position, resuming after short writes. */
  private writeAll(buffers: Buffer[], callback: (error?: Error | null) => void): void {
    writev(this.fd, buffers, (error, written) => {
      if (error) {
        this.failure = error;
        return callback(error);
      }
      const rest = dropBytes(buffers, written);
      if (rest.length === 0) return callback();
      this.writeAll(rest, callback);
    });
  }
}

function dropBytes(buffers: Buffer[], count: number): Buffer[] {
  let left = count;
  let index = 0;
  while (index < buffers.length && left >= buffers[index].length) left -= buffers[index++].length;
  const rest = buffers.slice(index);
  if (rest.length > 0 && left > 0) rest[0] = rest[0].subarray(left);
  return rest;
}

import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/**
 * A Writable onto an open file that leaves the file open when it finishes (the owner fsyncs and closes it).
 * Chunks buffered while a write is in flight go down together in one `writev`, so small network chunks
 * become large writes.
 */
export class FileSink extends Writable {
  /** The error of a failed write to the file (disk full, I/O error), as opposed to a failure of the source. */
  failure?: Error;

  constructor(
    private readonly handle: FileHandle,
    highWaterMark: number,
  ) {
    super({ highWaterMark });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.track(writeAll(this.handle, [chunk]), callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.track(
      writeAll(
        this.handle,
        chunks.map((entry) => entry.chunk),
      ),
      callback,
    );
  }

  private track(write: Promise<void>, callback: (error?: Error | null) => void): void {
    write.then(
      () => callback(),
      (error: Error) => {
        this.failure = error;
        callback(error);
      },
    );
  }
}

/** Writes every byte of `buffers` at the current position, resuming after short writes. */
async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<void> {
  let pending = buffers;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending);
    pending = dropBytes(pending, bytesWritten);
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

import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { type Sha256, sha256Of as digestOf } from '@app/contracts';

/** Random content with its digest. */
export function randomBlob(size: number): { bytes: Buffer; sha: Sha256 } {
  const bytes = randomBytes(size);
  return { bytes, sha: sha256Of(bytes) };
}

/** The digest of `bytes`. */
export function sha256Of(bytes: Buffer): Sha256 {
  return digestOf(createHash('sha256').update(bytes));
}

/** A byte stream delivering `bytes` in chunks of `chunkSize`, the way a network body arrives. */
export function streamOf(bytes: Buffer, chunkSize = 64 * 1024): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= bytes.length) return void this.push(null);
      this.push(bytes.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

/**
 * A body that delivers the first `cutAt` bytes of `bytes` and then fails: with `error` (a reset connection), or
 * without one (an aborted request, seen as a premature close).
 */
export function interruptedStream(bytes: Buffer, cutAt: number, error?: Error): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= cutAt) return void setImmediate(() => this.destroy(error));
      const end = Math.min(cutAt, offset + 64 * 1024);
      this.push(bytes.subarray(offset, end));
      offset = end;
    },
  });
}

/** Reads a whole stream into memory (small test blobs only). */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The collected items of an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

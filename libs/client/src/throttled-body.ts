import { Readable } from 'node:stream';
import type { ByteRateLimit } from '@app/contracts';

/** A raw body that goes out no faster than `limit` allows, in slices of 64 KiB. */
export function throttled(body: Readable | Buffer | string, limit: ByteRateLimit): Readable {
  const source = typeof body === 'string' ? Buffer.from(body) : body;
  async function* slices(): AsyncGenerator<Buffer> {
    for await (const chunk of Buffer.isBuffer(source) ? [source] : source) {
      const bytes = chunk as Buffer;
      for (let at = 0; at < bytes.length; at += 64 * 1024) {
        const slice = bytes.subarray(at, at + 64 * 1024);
        await limit.take(slice.length);
        yield slice;
      }
    }
  }
  return Readable.from(slices(), { objectMode: false });
}

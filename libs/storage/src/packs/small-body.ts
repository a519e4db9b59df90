import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { PutOptions } from '../blob-store';
import { overLimits, shortOfLimits } from '../shared/hashing-meter';
import { classifyPutFailure, digestMismatch } from '../shared/store-errors';

/** A whole small body, hashed and checked against its digest and the limits. */
export interface SmallBody {
  kind: 'small';
  chunks: Buffer[];
  size: number;
}

/** A body that turned out to be `limit` bytes or more: `rest` replays what was read, then the remainder. */
export interface LargeBody {
  kind: 'large';
  rest: Readable;
}

/**
 * Reads `body` while it stays under `limit` bytes, hashing it as it arrives. A body that ends under the limit is
 * checked (limits of `options`, then its digest against `sha`) and returned whole: it is at most `limit` bytes, so
 * it is held in memory (see ByteBudget for the bound across uploads). A body that reaches the limit is handed back
 * as a stream that yields the bytes already read and then the rest, for the loose store.
 * @throws HoardError digest_mismatch, payload_too_large, invalid_request (short, long or interrupted body)
 */
export function readSmallBody(sha: string, body: Readable, limit: number, options: PutOptions): Promise<SmallBody | LargeBody> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => SmallBody | LargeBody): void => {
      if (settled) return;
      settled = true;
      body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      try {
        resolve(outcome());
      } catch (error) {
        body.destroy();
        reject(error);
      }
    };
    const onData = (chunk: Buffer): void => {
      const over = overLimits(size + chunk.length, options);
      if (over)
        return settle(() => {
          throw over;
        });
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) {
        body.pause();
        return settle(() => ({ kind: 'large', rest: replay(chunks, body) }));
      }
      hash.update(chunk);
    };
    const onEnd = (): void =>
      settle(() => {
        const short = shortOfLimits(size, options);
        if (short) throw short;
        const actual = hash.digest('hex');
        if (actual !== sha) throw digestMismatch(sha, actual);
        return { kind: 'small', chunks, size };
      });
    const onError = (error: Error): void =>
      settle(() => {
        throw classifyPutFailure(error, undefined, 'read');
      });
    const onClose = (): void =>
      settle(() => {
        throw classifyPutFailure(new Error('premature close'), undefined, 'read');
      });
    if (body.destroyed) return body.errored ? onError(body.errored) : onClose();
    body.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}

/** The bytes already taken from `body`, then the rest of it. */
function replay(taken: Buffer[], body: Readable): Readable {
  async function* all(): AsyncGenerator<Buffer> {
    yield* taken;
    for await (const chunk of body) yield chunk as Buffer;
  }
  return Readable.from(all(), { objectMode: false });
}

/**
 * Bounds the bytes of small bodies held in memory at once, across every upload: a body reserves what it may hold
 * before it is read and gives it back once appended (or failed). Waiters are served in order.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiting: Array<{ bytes: number; go: () => void }> = [];

  constructor(readonly capacity: number) {}

  /** Waits until `bytes` fit (a reservation larger than the whole budget waits for an empty one) and takes them. */
  async take(bytes: number): Promise<void> {
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.used += bytes;
      return;
    }
    await new Promise<void>((go) => this.waiting.push({ bytes, go }));
  }

  give(bytes: number): void {
    this.used -= bytes;
    while (this.waiting.length > 0 && this.fits(this.waiting[0].bytes)) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.go();
    }
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.capacity;
  }
}

import { createHash, Hash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { HoardError } from '@app/contracts';
import type { PutOptions } from '../blob-store';

/**
 * A pass-through stream that hashes (SHA-256) and counts every byte of an upload in the same pass, and enforces
 * the limits of {@link PutOptions}: it fails as soon as a body grows past `maxBytes` or `expectedSize`, and at
 * the end when the body is shorter than `expectedSize`.
 */
export class HashingMeter extends Transform {
  /** Bytes seen so far. */
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');

  constructor(private readonly limits: PutOptions = {}) {
    super();
  }

  /** Hex digest of everything that went through; call once, after the stream finished. */
  digest(): string {
    return this.hash.digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const next = this.bytes + chunk.length;
    const over = overLimits(next, this.limits);
    if (over) return callback(over);
    this.bytes = next;
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(shortOfLimits(this.bytes, this.limits));
  }
}

/** The error for a body that has grown to `bytes`, past `maxBytes` or `expectedSize`; null while within them. */
export function overLimits(bytes: number, { maxBytes, expectedSize }: PutOptions): HoardError | null {
  if (maxBytes !== undefined && bytes > maxBytes) return tooLarge(maxBytes);
  if (expectedSize !== undefined && bytes > expectedSize) return sizeMismatch(expectedSize, 'longer');
  return null;
}

/** The error for a whole body of `bytes` that is shorter than `expectedSize`; null otherwise. */
export function shortOfLimits(bytes: number, { expectedSize }: PutOptions): HoardError | null {
  return expectedSize !== undefined && bytes !== expectedSize ? sizeMismatch(expectedSize, 'shorter') : null;
}

/**
 * Rejects, before any byte is read, limits that no body can meet.
 * @throws HoardError `payload_too_large` when the declared size is over `maxBytes`.
 */
export function checkPutOptions(options: PutOptions = {}): void {
  const { maxBytes, expectedSize } = options;
  if (maxBytes !== undefined && expectedSize !== undefined && expectedSize > maxBytes) throw tooLarge(maxBytes);
  if (expectedSize !== undefined && (!Number.isSafeInteger(expectedSize) || expectedSize < 0)) {
    throw new HoardError('invalid_request', 'the declared body size must be a non-negative integer', {
      details: { expectedSize },
    });
  }
}

function tooLarge(maxBytes: number): HoardError {
  return new HoardError('payload_too_large', `the body is larger than the limit of ${maxBytes} bytes`, {
    details: { maxBytes },
  });
}

function sizeMismatch(expectedSize: number, how: 'longer' | 'shorter'): HoardError {
  return new HoardError('invalid_request', `the body is ${how} than its declared size of ${expectedSize} bytes`, {
    details: { expectedSize },
  });
}

import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A byte budget per second shared by every upload of a client (a token bucket that may go into debt): `take(n)`
 * resolves when `n` more bytes may go out. Concurrent callers queue by the debt they add, so the total stays at the
 * rate however many uploads run; a short burst (a quarter of a second's worth, at least 64 KiB) is allowed.
 */
export class ByteRateLimit {
  private tokens: number;
  private last: number;
  private readonly burst: number;

  constructor(
    readonly bytesPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(bytesPerSecond > 0)) throw new RangeError('the rate must be above 0 bytes per second');
    this.burst = Math.max(64 * 1024, bytesPerSecond / 4);
    this.tokens = this.burst;
    this.last = now();
  }

  /** Milliseconds the caller must wait before sending `n` more bytes (0: at once); the bytes are counted now. */
  reserve(n: number): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.bytesPerSecond) / 1000);
    this.last = now;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.bytesPerSecond);
  }

  /** Resolves when `n` more bytes may be sent. */
  async take(n: number): Promise<void> {
    const wait = this.reserve(n);
    if (wait > 0) await sleep(wait);
  }
}

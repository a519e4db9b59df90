/**
 * A byte budget per second (a token bucket that may go into debt): `take(n)` resolves when `n` more bytes may go.
 * Concurrent callers queue by the debt they add, so the total stays at the rate however many of them run; a short
 * burst (a quarter of a second's worth, at least 64 KiB) is allowed. The client paces its uploads with it, the
 * server its scrub's reads.
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

  /**
   * Resolves when `n` more bytes may go. When `signal` is aborted during the wait, rejects at once with its reason
   * (the bytes stay counted: whoever aborted is not going to send them anyway).
   */
  take(n: number, signal?: AbortSignal): Promise<void> {
    const wait = this.reserve(n);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (wait <= 0) return Promise.resolve();
    // The global timer rather than timers/promises: it is the one that test clocks (fake timers) move.
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

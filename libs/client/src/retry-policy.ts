/** How transient failures are retried: exponential backoff with full jitter, bounded attempts. */
export interface RetryOptions {
  /** Retries after the first attempt (default 5). */
  retries?: number;
  /** First backoff ceiling in ms (default 200). */
  baseDelayMs?: number;
  /** Largest backoff ceiling in ms (default 10,000). */
  maxDelayMs?: number;
  /** Source of randomness in [0, 1), for tests. */
  random?: () => number;
}

/**
 * HTTP statuses worth another attempt: throttled or a server-side failure. Never 507 (insufficient_storage): a full
 * store stays full until someone frees space.
 */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Decides whether and when to try a request again. Delays follow "full jitter": a uniform draw between 0 and
 * min(max, base * 2^attempt), so clients that failed together do not retry together.
 */
export class RetryPolicy {
  readonly retries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;

  constructor(options: RetryOptions = {}) {
    this.retries = Math.max(0, options.retries ?? 5);
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.random = options.random ?? Math.random;
  }

  /** True when a response with this status may succeed if sent again. */
  isRetryableStatus(status: number): boolean {
    return RETRYABLE_STATUS.has(status);
  }

  /** True while `attempt` (0-based count of retries already made) is below the budget. */
  canRetry(attempt: number): boolean {
    return attempt < this.retries;
  }

  /**
   * Milliseconds to wait before retry number `attempt` (0-based). A server's `Retry-After` (seconds or an
   * HTTP date) wins over the backoff, capped at the maximum delay.
   */
  delayMs(attempt: number, retryAfter?: string | string[] | null): number {
    const hinted = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
    if (hinted !== null) return Math.min(hinted, this.maxDelayMs);
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt);
    return Math.floor(this.random() * ceiling);
  }
}

/** Parses a `Retry-After` header into milliseconds, or null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (value === undefined || value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

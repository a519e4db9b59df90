import { parseRetryAfter, RetryPolicy } from './retry-policy';

describe('RetryPolicy', () => {
  it('draws full-jitter delays below an exponentially growing ceiling, capped at the maximum', () => {
    const sut = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 });
    expect([0, 1, 2, 3, 4, 5].map((n) => sut.delayMs(n))).toEqual([99, 199, 399, 799, 999, 999]);
    const low = new RetryPolicy({ baseDelayMs: 100, random: () => 0 });
    expect(low.delayMs(3)).toBe(0);
  });

  it('honours Retry-After in seconds and as an HTTP date, capped at the maximum', () => {
    const sut = new RetryPolicy({ maxDelayMs: 5000, random: () => 0.5 });
    expect(sut.delayMs(0, '2')).toBe(2000);
    expect(sut.delayMs(0, '60')).toBe(5000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 7_000)).toBe(3000);
    expect(parseRetryAfter('soon')).toBeNull();
  });

  it('allows exactly the configured number of retries', () => {
    const sut = new RetryPolicy({ retries: 2 });
    expect([0, 1, 2].map((n) => sut.canRetry(n))).toEqual([true, true, false]);
  });

  it('retries throttling and server failures but not client errors', () => {
    const sut = new RetryPolicy();
    expect([429, 500, 502, 503, 504].every((s) => sut.isRetryableStatus(s))).toBe(true);
    expect([400, 401, 404, 410, 422].some((s) => sut.isRetryableStatus(s))).toBe(false);
  });

  it('never retries a full blob store (507): another attempt cannot succeed until someone frees space', () => {
    expect(new RetryPolicy().isRetryableStatus(507)).toBe(false);
  });
});

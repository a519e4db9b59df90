import { ByteRateLimit } from './byte-rate-limit';

describe('ByteRateLimit', () => {
  it('lets a burst through, then spaces bytes out at the rate, whatever the number of callers', () => {
    let now = 0;
    const sut = new ByteRateLimit(1_000_000, () => now);
    // The burst: a quarter of a second's worth.
    expect(sut.reserve(250_000)).toBe(0);
    expect(sut.reserve(500_000)).toBe(500);
    // A second caller queues behind the first one's debt.
    expect(sut.reserve(500_000)).toBe(1000);
    now = 1000;
    expect(sut.reserve(0)).toBe(0);
    expect(sut.reserve(1)).toBe(1);
  });

  it('does not save up more than the burst while idle', () => {
    let now = 0;
    const sut = new ByteRateLimit(100_000, () => now);
    now = 60_000;
    expect(sut.reserve(64 * 1024)).toBe(0);
    expect(sut.reserve(100_000)).toBe(1000);
  });

  it('refuses a rate that is not above zero', () => {
    expect(() => new ByteRateLimit(0)).toThrow(RangeError);
  });

  describe('take', () => {
    beforeEach(() => jest.useFakeTimers({ now: 0 }));
    afterEach(() => jest.useRealTimers());

    it('resolves once the debt is paid on the clock', async () => {
      const sut = new ByteRateLimit(100_000);
      await sut.take(64 * 1024);
      let done = false;
      const taken = sut.take(100_000).then(() => (done = true));
      await jest.advanceTimersByTimeAsync(999);
      expect(done).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await taken;
      expect(done).toBe(true);
    });

    it('rejects a wait at once with the reason of an aborted signal, and before waiting when it was aborted already', async () => {
      const sut = new ByteRateLimit(100_000);
      const abort = new AbortController();
      const taken = sut.take(1_000_000, abort.signal);
      abort.abort(new Error('cancelled'));
      await expect(taken).rejects.toThrow('cancelled');
      expect(jest.getTimerCount()).toBe(0);
      await expect(sut.take(1, abort.signal)).rejects.toThrow('cancelled');
    });
  });
});

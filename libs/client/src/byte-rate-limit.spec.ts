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
});

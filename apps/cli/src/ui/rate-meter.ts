/**
 * The rate of a growing counter over a moving window (default the last 5 s), rather than the average since the
 * start: it follows a transfer that speeds up or stalls. Time comes from `Date.now` (fake timers move it in tests).
 */
export class RateMeter {
  private readonly samples: Array<[number, number]> = [];

  constructor(private readonly windowMs = 5000) {}

  /** Records the counter's value now; returns its rate per second over the window (0 until time has passed). */
  sample(value: number): number {
    const now = Date.now();
    const last = this.samples[this.samples.length - 1];
    if (last && last[0] === now) last[1] = value;
    else this.samples.push([now, value]);
    // Keep one sample at or before the window's start, so the rate spans the whole window.
    while (this.samples.length > 2 && this.samples[1][0] <= now - this.windowMs) this.samples.shift();
    const [t0, v0] = this.samples[0];
    return now > t0 ? ((value - v0) * 1000) / (now - t0) : 0;
  }
}

/** Milliseconds left for `remaining` units at `perSecond`, or null when it cannot be told. */
export function etaMs(remaining: number, perSecond: number): number | null {
  if (!(remaining > 0) || !(perSecond > 0)) return null;
  return (remaining * 1000) / perSecond;
}

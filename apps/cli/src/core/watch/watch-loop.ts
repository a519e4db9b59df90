import { Change, DeferredChange, SettleQueue } from './settle-queue';

/** What the loop drives: the scans, and the filesystem events. */
export interface WatchPorts {
  /**
   * Runs one batch as its own scan: every root when `changes` is null (the first scan and each rescan), else the
   * settled changes. Resolves with the changes it found too fresh to read (handed back to settle until their time).
   * Rejects when the batch could not be done at all (the server cannot be reached): it is then tried again, whole,
   * after a pause.
   */
  scan(changes: Change[] | null): Promise<DeferredChange[] | void>;
  /** Starts delivering events; resolves with the way to stop them. */
  subscribe(onChange: (path: string, created: boolean) => void, onError: (err: Error) => void): Promise<() => Promise<void>>;
  /**
   * Called once the loop has had nothing to do for `restMs` after a batch (nothing running, settling or due): the
   * moment to give back what the batch's peak left resident. Not called again until another batch has run.
   */
  rest?(): void;
}

export interface WatchTiming {
  settleMs: number;
  /**
   * How long a path that was only created waits (default: a quarter of a second, at most `settleMs`): a directory
   * moved in whole is one such event, and the batch defers whichever of its files changed within `settleMs`.
   */
  quickMs?: number;
  rescanMs: number;
  /** First pause after a failed batch; it doubles up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Quiet time after a batch before `rest` (default 1 s). */
  restMs?: number;
}

/**
 * The watch: events settle in a queue, settled paths gather while a batch runs, and one batch runs at a time — so a
 * burst of many files becomes a few large scans, not many small ones. A batch that fails whole (the server is away)
 * keeps its paths and is tried again with growing pauses; nothing is dropped. A full rescan runs every `rescanMs`.
 */
export class WatchLoop {
  private readonly settle: SettleQueue;
  private readonly dirty = new Map<string, boolean>();
  private fullDue = true;
  private running: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private rescanTimer: NodeJS.Timeout | null = null;
  private restTimer: NodeJS.Timeout | null = null;
  /** True once `rest` followed the last batch (and before the first). */
  private rested = true;
  private failures = 0;
  private stopping = false;
  private unsubscribe: (() => Promise<void>) | null = null;

  constructor(
    private readonly ports: WatchPorts,
    private readonly timing: WatchTiming,
    private readonly onRetry: (err: unknown, delayMs: number) => void = () => undefined,
  ) {
    this.settle = new SettleQueue(timing.settleMs, (changes) => this.settled(changes), timing.quickMs ?? Math.min(250, timing.settleMs));
  }

  /** Paths waiting to settle or to be scanned. */
  get backlog(): number {
    return this.settle.size + this.dirty.size;
  }

  /** Subscribes (before the first scan, so nothing written during it is missed), then runs the first scan. */
  async start(onError: (err: Error) => void): Promise<void> {
    this.unsubscribe = await this.ports.subscribe((path, created) => this.event(path, created), onError);
    this.rescanTimer = setInterval(() => {
      this.fullDue = true;
      this.kick();
    }, this.timing.rescanMs);
    this.kick();
  }

  /** A filesystem event. */
  event(path: string, created: boolean): void {
    if (!this.stopping) this.settle.touch(path, created);
  }

  /** Resolves once no batch is running, including any that starts from the one in flight. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops taking events, lets the batch in flight finish, and resolves. Paths still settling are left to the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.settle.clear();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    this.cancelRest();
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    await unsubscribe?.();
    while (this.running) await this.running;
  }

  private settled(changes: Change[]): void {
    for (const { path, created } of changes) this.dirty.set(path, created || Boolean(this.dirty.get(path)));
    this.kick();
  }

  private kick(): void {
    if (this.stopping || this.running || this.retryTimer) return;
    if (!this.fullDue && this.dirty.size === 0) return this.restSoon();
    this.cancelRest();
    this.rested = false;
    this.running = this.batch().finally(() => {
      this.running = null;
      this.kick();
    });
  }

  /** Schedules `rest` after a batch; it is skipped if work arrived meanwhile (the next batch schedules it again). */
  private restSoon(): void {
    if (this.rested || this.restTimer || !this.ports.rest) return;
    this.restTimer = setTimeout(() => {
      this.restTimer = null;
      if (this.stopping || this.running || this.retryTimer || this.settle.size > 0) return;
      this.rested = true;
      this.ports.rest!();
    }, this.timing.restMs ?? 1000);
    this.restTimer.unref();
  }

  private cancelRest(): void {
    if (this.restTimer) clearTimeout(this.restTimer);
    this.restTimer = null;
  }

  private async batch(): Promise<void> {
    const full = this.fullDue;
    // A full scan covers whatever had settled before it began.
    const changes = [...this.dirty].map(([path, created]) => ({ path, created }));
    this.fullDue = false;
    this.dirty.clear();
    try {
      const deferred = await this.ports.scan(full ? null : changes);
      if (!this.stopping && deferred) this.settle.defer(deferred);
      this.failures = 0;
    } catch (err) {
      if (full) this.fullDue = true;
      for (const { path, created } of changes) if (!this.dirty.has(path) || created) this.dirty.set(path, created);
      const base = this.timing.retryBaseMs ?? 1000;
      const delay = Math.min(this.timing.retryMaxMs ?? 60_000, base * 2 ** this.failures);
      this.failures++;
      this.onRetry(err, delay);
      if (this.stopping) return;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.kick();
      }, delay);
    }
  }
}

import { LIMITS } from '@app/contracts';
import { BoundedRunner } from './bounded-runner';

export interface BatcherOptions {
  /** Items per batch (default and maximum 1,000). */
  size?: number;
  /** Batches being sent at once (default 2). */
  inFlight?: number;
  /** Send a partial batch once it holds this many bytes of newly read content (default 128 MiB). */
  freshBytes?: number;
  /** Send a partial batch this long after newly read content entered it (default 1,000 ms). */
  freshDelayMs?: number;
}

/**
 * Groups items into batches for one request each and sends them with bounded concurrency. Unchanged items wait
 * for a full batch (so an unchanged tree costs one request per 1,000 files); a batch holding newly read content
 * also leaves when it grows heavy or old, so uploads start while hashing goes on.
 */
export class RecordBatcher<T> {
  private buffer: T[] = [];
  private freshBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Set while a batch waits for a free slot. */
  private blocked: Promise<void> | null = null;
  private readonly runner: BoundedRunner;
  private readonly size: number;

  constructor(
    private readonly send: (items: T[]) => Promise<void>,
    private readonly options: BatcherOptions = {},
  ) {
    this.size = Math.min(options.size ?? LIMITS.batchMax, LIMITS.batchMax);
    this.runner = new BoundedRunner(options.inFlight ?? 2);
  }

  /**
   * Adds an item; `freshBytes` (0 or more) marks content read in this run, undefined an unchanged file.
   * Waits while too many batches are in flight.
   */
  async add(item: T, freshBytes?: number): Promise<void> {
    // Many producers may add at once: none adds while a full batch waits for its slot.
    while (this.blocked) await this.blocked;
    this.buffer.push(item);
    if (freshBytes !== undefined) {
      this.freshBytes += freshBytes;
      if (!this.timer) this.arm();
    }
    if (this.buffer.length >= this.size || this.freshBytes >= (this.options.freshBytes ?? 128 * 1024 * 1024)) {
      await this.flush();
    }
  }

  /** Sends what is buffered (waiting for a free slot). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.buffer.length === 0) return;
    const items = this.buffer;
    this.buffer = [];
    this.freshBytes = 0;
    const started = this.runner.run(() => this.send(items));
    this.blocked = started;
    await started;
    if (this.blocked === started) this.blocked = null;
  }

  /**
   * A partial batch leaves on time only when a slot is free; otherwise it keeps filling, so waiting batches never
   * pile up in memory while the producer runs on.
   */
  private arm(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.runner.full) this.arm();
      else void this.flush();
    }, this.options.freshDelayMs ?? 1000);
  }

  /** Sends the rest and waits for every batch. */
  async drain(): Promise<void> {
    await this.flush();
    await this.runner.drain();
  }
}

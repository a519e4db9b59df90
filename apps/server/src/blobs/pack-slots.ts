/**
 * Counts the pack parts being stored across every request of the server: each holds an open file until its flush
 * is done, so their number is bounded whatever the number of packs arriving at once.
 */
export class PackSlots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {}

  /** Waits for a free slot and takes it. */
  async take(): Promise<void> {
    while (this.used >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.used++;
  }

  give(): void {
    this.used--;
    this.waiting.shift()?.();
  }
}

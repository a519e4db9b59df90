/** A path the filesystem said something about; `created` when one of its events was a creation (or a move in). */
export interface Change {
  path: string;
  created: boolean;
}

/**
 * Holds changed paths until each has been quiet for `settleMs`: a file written slowly keeps being pushed back, so it
 * is handed on once, with its final content, instead of once per write. One timer serves every path, set for the
 * earliest deadline, so a burst of many files costs one timer and not one each.
 */
export class SettleQueue {
  private readonly pending = new Map<string, { at: number; created: boolean }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly settleMs: number,
    private readonly onSettled: (changes: Change[]) => void,
  ) {}

  /** Paths waiting to settle. */
  get size(): number {
    return this.pending.size;
  }

  /** An event for `path`: its quiet time starts again. */
  touch(path: string, created: boolean): void {
    const before = this.pending.get(path);
    // Deleting and re-inserting keeps the map ordered by last event, so the earliest deadline is the first entry.
    this.pending.delete(path);
    this.pending.set(path, { at: Date.now(), created: created || Boolean(before?.created) });
    this.arm();
  }

  /** Drops everything waiting (the watch is stopping). */
  clear(): void {
    this.pending.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer || this.pending.size === 0) return;
    const first = this.pending.values().next().value as { at: number };
    const wait = Math.max(0, first.at + this.settleMs - Date.now());
    this.timer = setTimeout(() => this.fire(), wait);
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = null;
    const now = Date.now();
    const ready: Change[] = [];
    for (const [path, entry] of this.pending) {
      if (now - entry.at < this.settleMs) break;
      ready.push({ path, created: entry.created });
    }
    for (const change of ready) this.pending.delete(change.path);
    this.arm();
    if (ready.length > 0) this.onSettled(ready);
  }
}

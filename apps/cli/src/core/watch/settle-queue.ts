/** A path the filesystem said something about; `created` when one of its events was a creation (or a move in). */
export interface Change {
  path: string;
  created: boolean;
}

/** A change handed back to wait: it is ready at `readyAt` (ms since 1970). */
export interface DeferredChange extends Change {
  readyAt: number;
}

interface Pending {
  /** Its quiet time counts from then. */
  at: number;
  created: boolean;
  /** Every event of it was a creation: it is handed on after `quickMs` (the batch then checks its files' own age). */
  quick: boolean;
}

/**
 * Holds changed paths until each has been quiet for `settleMs`: a file written slowly keeps being pushed back, so it
 * is handed on once, with its final content, instead of once per write. A path that was only created (a directory
 * moved in whole is one event) is handed on after `quickMs`: the batch looks at the age of what it finds and hands
 * back (`defer`) whatever changed less than `settleMs` ago. One timer serves every path, set for the first deadline
 * in order of the last event, so a burst of many files costs one timer and not one each; a path is never handed on
 * before its own deadline (at worst after those of the paths whose events came before).
 */
export class SettleQueue {
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly settleMs: number,
    private readonly onSettled: (changes: Change[]) => void,
    private readonly quickMs: number = settleMs,
  ) {}

  /** Paths waiting to settle. */
  get size(): number {
    return this.pending.size;
  }

  /** An event for `path`: its quiet time starts again. */
  touch(path: string, created: boolean): void {
    const before = this.pending.get(path);
    this.put(path, {
      at: Date.now(),
      created: created || Boolean(before?.created),
      quick: created && (before === undefined || before.quick),
    });
  }

  /** A path handed on too early (a file under a new directory still being written): handed on again at `readyAt`. */
  defer(change: DeferredChange): void {
    const before = this.pending.get(change.path);
    if (before && before.at + this.settleMs >= change.readyAt) return;
    this.put(change.path, { at: change.readyAt - this.settleMs, created: change.created || Boolean(before?.created), quick: false });
  }

  /** Drops everything waiting (the watch is stopping). */
  clear(): void {
    this.pending.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private put(path: string, entry: Pending): void {
    // Deleting and re-inserting keeps the map in the order of the last events: the first entry's deadline comes first.
    this.pending.delete(path);
    this.pending.set(path, entry);
    this.arm();
  }

  private deadline(entry: Pending): number {
    return entry.at + (entry.quick ? this.quickMs : this.settleMs);
  }

  private arm(): void {
    if (this.timer || this.pending.size === 0) return;
    const first = this.pending.values().next().value as Pending;
    const wait = Math.max(0, this.deadline(first) - Date.now());
    this.timer = setTimeout(() => this.fire(), wait);
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = null;
    const now = Date.now();
    const ready: Change[] = [];
    for (const [path, entry] of this.pending) {
      if (now < this.deadline(entry)) break;
      ready.push({ path, created: entry.created });
    }
    for (const change of ready) this.pending.delete(change.path);
    this.arm();
    if (ready.length > 0) this.onSettled(ready);
  }
}

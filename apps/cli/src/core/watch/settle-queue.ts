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

/** A timer set after a hand-over waits at least this long: a spread of deadlines costs a few passes, not one each. */
const MIN_GAP_MS = 20;

/**
 * Holds changed paths until each has been quiet for `settleMs`: a file written slowly keeps being pushed back, so it
 * is handed on once, with its final content, instead of once per write. A path that was only created (a directory
 * moved in whole is one event) is handed on after `quickMs`: the batch looks at the age of what it finds and hands
 * back (`defer`) whatever changed less than `settleMs` ago, each to be handed on at its own time. One timer serves
 * every path, set for the earliest deadline, so a burst of many files costs one timer and not one each.
 */
export class SettleQueue {
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  /** When the timer fires (Infinity: none set). */
  private timerAt = Number.POSITIVE_INFINITY;

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

  /** Paths handed on too early (files under a new directory still being written): each handed on again at `readyAt`. */
  defer(changes: DeferredChange[]): void {
    for (const change of changes) {
      const before = this.pending.get(change.path);
      if (before && this.deadline(before) >= change.readyAt) continue;
      this.put(change.path, { at: change.readyAt - this.settleMs, created: change.created || Boolean(before?.created), quick: false });
    }
  }

  /** Drops everything waiting (the watch is stopping). */
  clear(): void {
    this.pending.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private put(path: string, entry: Pending): void {
    this.pending.set(path, entry);
    this.arm(this.deadline(entry));
  }

  private deadline(entry: Pending): number {
    return entry.at + (entry.quick ? this.quickMs : this.settleMs);
  }

  /** Makes the timer fire by `due` (a later event only pushes a path back: the timer then finds it not ready). */
  private arm(due: number): void {
    if (due >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - Date.now()));
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    const ready: Change[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [path, entry] of this.pending) {
      const due = this.deadline(entry);
      if (due <= now) ready.push({ path, created: entry.created });
      else next = Math.min(next, due);
    }
    for (const change of ready) this.pending.delete(change.path);
    if (next !== Number.POSITIVE_INFINITY) this.arm(Math.max(next, now + MIN_GAP_MS));
    if (ready.length > 0) this.onSettled(ready);
  }
}

/**
 * Runs async tasks with at most `limit` at a time. `run` resolves once the task has started (so a producer
 * awaiting it is held back while the runner is full); `drain` waits for every task. Tasks must not reject:
 * they report their own failures.
 */
export class BoundedRunner {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('limit must be at least 1');
  }

  /** Starts `task` as soon as a slot is free. */
  async run(task: () => Promise<void>): Promise<void> {
    while (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    const p = task()
      .catch(() => undefined)
      .finally(() => {
        this.active--;
        this.running.delete(p);
        this.waiting.shift()?.();
      });
    this.running.add(p);
  }

  /** True when every slot is taken. */
  get full(): boolean {
    return this.active >= this.limit;
  }

  /** True while a task runs or waits for a slot. */
  get busy(): boolean {
    return this.active > 0 || this.waiting.length > 0;
  }

  /** Resolves when every started task has finished. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}

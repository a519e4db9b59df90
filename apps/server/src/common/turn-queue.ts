/**
 * Runs CPU-heavy jobs one per turn of the event loop, in arrival order. Between two jobs the loop polls, so new
 * connections are accepted and cheap requests (`/health`) answered while many large bodies wait their turn: fifty
 * 10,000-digest checks arriving together would otherwise hold the loop for a second at a time.
 */
export class TurnQueue {
  private readonly jobs: Array<() => void> = [];
  private scheduled = false;

  /** Runs `job` on a later turn; resolves with its result. */
  run<T>(job: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push(() => {
        try {
          resolve(job());
        } catch (err) {
          reject(err as Error);
        }
      });
      this.schedule();
    });
  }

  /** Jobs waiting for their turn. */
  get waiting(): number {
    return this.jobs.length;
  }

  private schedule(): void {
    if (this.scheduled || this.jobs.length === 0) return;
    this.scheduled = true;
    // An immediate queued while immediates run waits for the next turn: one job per turn.
    setImmediate(() => {
      this.scheduled = false;
      this.jobs.shift()?.();
      this.schedule();
    });
  }
}

import { HoardError } from '@app/contracts';
import type { JobContext, JobHandler, JobType } from '../jobs/job-handler';

/** Where a {@link SteppingJob} resumes: the next item. */
export interface SteppingCheckpoint {
  next: number;
}

/**
 * A job handler for specs: works through `items` items, one every `msPerItem` milliseconds (of fake time, in the
 * specs), checking its signal before each one (its safe points), reporting progress after each and saving a
 * checkpoint every `checkpointEvery`. On a stop it throws the signal's reason, or with `returnOnStop` returns what it
 * did so far. Its result: `{items}` done in this attempt, and where it started.
 */
export class SteppingJob implements JobHandler {
  /** What each attempt was handed. */
  readonly attempts: JobContext[] = [];
  /** Throws this when it reaches item `failAt`. */
  failure: { at: number; error: unknown } | null = null;
  returnOnStop = false;

  constructor(
    readonly type: JobType,
    readonly items = 50,
    readonly msPerItem = 100,
    readonly checkpointEvery = 10,
  ) {}

  /** Takes any option but `bad`. */
  parseOptions(options: Record<string, unknown>): Record<string, unknown> {
    if ('bad' in options) throw new HoardError('validation_failed', 'bad is not an option', { details: { fields: [{ field: 'bad' }] } });
    return options;
  }

  async run(context: JobContext): Promise<Record<string, unknown>> {
    this.attempts.push(context);
    const from = (context.checkpoint as SteppingCheckpoint | null)?.next ?? 0;
    let next = from;
    context.progress({ done: next, total: this.items });
    while (next < this.items) {
      if (context.signal.aborted) {
        if (this.returnOnStop) break;
        throw context.signal.reason;
      }
      await new Promise((resolve) => setTimeout(resolve, this.msPerItem));
      if (this.failure?.at === next) throw this.failure.error;
      next++;
      context.progress({ done: next, bytes: next * 10 });
      if (next % this.checkpointEvery === 0) await context.saveCheckpoint({ next } satisfies SteppingCheckpoint);
    }
    return { from, items: next - from };
  }
}

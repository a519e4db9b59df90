import type { JobContext, JobProgress } from '../jobs/job-handler';

/** A JobContext for handler specs: records progress and checkpoints; `cancel()` aborts its signal. */
export class FakeJobContext implements JobContext {
  readonly jobId = 'job-under-test';
  readonly options: Readonly<Record<string, unknown>> = {};
  private readonly controller = new AbortController();
  /** Every progress report, in order. */
  readonly reports: JobProgress[] = [];
  /** Every checkpoint saved, in order. */
  readonly checkpoints: unknown[] = [];

  constructor(
    readonly dryRun = false,
    readonly checkpoint: unknown = null,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  cancel(reason: Error = new Error('cancelled')): void {
    this.controller.abort(reason);
  }

  progress(update: JobProgress): void {
    this.reports.push({ ...update });
  }

  async saveCheckpoint(value: unknown): Promise<void> {
    this.checkpoints.push(structuredClone(value));
  }

  /** The last progress reported. */
  get last(): JobProgress | undefined {
    return this.reports[this.reports.length - 1];
  }
}

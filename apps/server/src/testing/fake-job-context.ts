import type { JobContext, JobProgress } from '../jobs/job-handler';

export interface FakeJobContextOptions {
  options?: Record<string, unknown>;
  dryRun?: boolean;
  /** What an earlier attempt saved (null: a first attempt). */
  checkpoint?: unknown;
  /** Cancels the job as soon as its progress reports this many items done. */
  cancelAtDone?: number;
}

/**
 * What the job runner hands a handler, in memory: progress and checkpoints are kept for the spec to read (each
 * checkpoint through JSON, as a metadata store keeps it), and `cancel()` aborts the signal as a cancellation does.
 */
export class FakeJobContext implements JobContext {
  readonly jobId = 'job-under-test';
  readonly dryRun: boolean;
  readonly options: Readonly<Record<string, unknown>>;
  readonly checkpoint: unknown;
  /** Every progress report, merged as the runner merges them. */
  readonly reports: JobProgress[] = [];
  /** Every checkpoint saved, in order. */
  readonly saved: unknown[] = [];
  private readonly controller = new AbortController();
  private readonly cancelAtDone?: number;

  constructor(options: FakeJobContextOptions = {}) {
    this.dryRun = options.dryRun ?? false;
    this.options = options.options ?? {};
    this.checkpoint = options.checkpoint ?? null;
    this.cancelAtDone = options.cancelAtDone;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The progress as the runner would show it now. */
  get lastProgress(): JobProgress {
    return this.reports.at(-1) ?? {};
  }

  /** The last checkpoint saved, or null. */
  get lastCheckpoint(): unknown {
    return this.saved.at(-1) ?? null;
  }

  cancel(): void {
    this.controller.abort(new Error('the job was cancelled'));
  }

  progress(update: JobProgress): void {
    this.reports.push({ ...this.lastProgress, ...update });
    if (this.cancelAtDone !== undefined && (update.done ?? 0) >= this.cancelAtDone) this.cancel();
  }

  async saveCheckpoint(value: unknown): Promise<void> {
    this.saved.push(JSON.parse(JSON.stringify(value)));
  }
}

/**
 * The contract between the job runner and the maintenance work it runs (prune, gc, scrub). The runner owns the
 * job's record, its lease and its state; a handler owns only the work. A handler is a Nest provider registered
 * under {@link JOB_HANDLERS}; the runner finds it by {@link JobHandler.type}.
 */

/** The maintenance jobs of the API (`POST /api/v1/jobs` `type`). */
export type JobType = 'prune' | 'gc' | 'scrub';

/** Counts a job reports while it runs; each field replaces the last reported value. */
export interface JobProgress {
  /** Items done so far (records examined, blobs checked, …). */
  done?: number;
  /** Items to do, when known. */
  total?: number;
  /** Bytes done so far (bytes read by a scrub, bytes freed by a gc). */
  bytes?: number;
}

/** What the runner hands a handler for one attempt at one job. */
export interface JobContext {
  readonly jobId: string;
  /** Count and report, change nothing. */
  readonly dryRun: boolean;
  /** The request's options beyond `type` and `dry_run`, validated by the handler's {@link JobHandler.parseOptions}. */
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * Aborted when the job is cancelled, when this instance loses the job's lease, or when the server shuts down.
   * A handler checks it at its safe points and then throws `signal.reason` (or returns early) without leaving
   * half-done work behind. Once it is aborted, the reason decides how the job ends, whatever the handler does: a
   * cancelled job ends `cancelled` (with the result the handler returned, if it returned one), a job stopped by a
   * shutdown goes back to the queue with its last checkpoint, and one whose lease was lost is left to its new holder.
   */
  readonly signal: AbortSignal;
  /** What an earlier attempt of this job saved with {@link saveCheckpoint}, or null on a first attempt. */
  readonly checkpoint: unknown;
  /** Records progress; cheap to call per item (the runner writes it out at most every second or so). */
  progress(update: JobProgress): void;
  /** Saves a resumption point durably with the job (a scrub's last digest checked), for the next attempt. */
  saveCheckpoint(value: unknown): Promise<void>;
}

export interface JobHandler {
  readonly type: JobType;
  /**
   * Checks the options of a request for this job (everything but `type` and `dry_run`) and returns them normalised;
   * throws `HoardError('validation_failed')` naming the bad field. Called before the job is queued.
   */
  parseOptions(options: Record<string, unknown>): Record<string, unknown>;
  /** Does the work; returns the job's `result` (the shape API.md gives for this type). */
  run(context: JobContext): Promise<Record<string, unknown>>;
}

/** Nest token of the array of every {@link JobHandler}. */
export const JOB_HANDLERS = Symbol('JOB_HANDLERS');

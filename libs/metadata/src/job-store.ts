/** DI token of the configured {@link JobStore}. */
export const JOB_STORE = Symbol('JOB_STORE');

/** Where a job is in its life: `queued` and `running` are active; the other three are final. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** The states a job ends in: nothing changes a job once it is in one. */
export const FINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

/** Counts a running job last reported. */
export interface JobCounts {
  done: number;
  /** Unknown until the job says. */
  total: number | null;
  bytes: number;
}

/** Why a job failed, as its handler's error said it (never a stack). */
export interface JobFailure {
  code: string;
  message: string;
}

/** Who runs a job and until when: an instance that does not renew it by `expires_at` is taken for dead. */
export interface JobLease {
  owner: string;
  expires_at: Date;
}

/** A maintenance job as stored. `options`, `result` and `checkpoint` round-trip as JSON. */
export interface JobRecord {
  id: string;
  type: string;
  state: JobState;
  dry_run: boolean;
  options: Record<string, unknown>;
  progress: JobCounts;
  result: Record<string, unknown> | null;
  error: JobFailure | null;
  /** What the last attempt saved to resume from, or null. */
  checkpoint: unknown;
  created_at: Date;
  /** When the first attempt started. */
  started_at: Date | null;
  ended_at: Date | null;
  cancel_requested: boolean;
  /** Set while an instance runs it (and, after that instance died, until another claims it). */
  lease: JobLease | null;
}

export interface NewJob {
  type: string;
  dry_run: boolean;
  options: Record<string, unknown>;
}

export interface JobQuery {
  type?: string;
  state?: JobState;
  /** 1..1000 */
  limit: number;
  /** Opaque cursor returned as `nextCursor` by a previous call. */
  cursor?: string;
}

export interface JobPage {
  items: JobRecord[];
  nextCursor: string | null;
}

/** What a claim asks for: a job of one of `types`, held by `owner` until `now + leaseMs`. */
export interface JobClaim {
  types: readonly string[];
  owner: string;
  now: Date;
  leaseMs: number;
}

/** A job's end: its final state and, by state, its result (`succeeded`, possibly `cancelled`) or its error. */
export interface JobEnd {
  state: 'succeeded' | 'failed' | 'cancelled';
  result?: Record<string, unknown> | null;
  error?: JobFailure | null;
  now: Date;
}

/** What a job's holder writes while it runs; absent fields are left as they are. */
export interface JobUpdate {
  progress?: JobCounts;
  checkpoint?: unknown;
}

/**
 * Maintenance jobs (prune, gc, scrub) shared by every server instance on one database. Adapters: sqlite, mongodb.
 *
 * At most one job of a type is active (queued or running) at a time, across every instance: {@link createJob}
 * refuses a second one atomically. A running job is held by a lease; only the lease's owner may write to it, and a
 * lease that ran out (its holder died) lets another instance claim the job, which resumes from its checkpoint.
 * Every method is safe to call concurrently from several instances; `HoardError('unavailable')` when the database
 * cannot be reached.
 */
export interface JobStore {
  /**
   * Queues a job. `HoardError('conflict')` with `details.job_id` naming the active job when one of the same type is
   * queued or running.
   */
  createJob(job: NewJob, now: Date): Promise<JobRecord>;
  getJob(id: string): Promise<JobRecord | null>;
  /** Newest first, filtered by type and state, paginated. `HoardError('invalid_request')` for a malformed cursor. */
  listJobs(query: JobQuery): Promise<JobPage>;
  /**
   * Takes the oldest queued job of one of the types, or a running one whose lease ran out, for `owner`: it is then
   * running, leased until `now + leaseMs`, with its first start time kept. Null when there is none.
   */
  claimJob(claim: JobClaim): Promise<JobRecord | null>;
  /** Extends `owner`'s lease to `now + leaseMs` and returns the job (to see a cancel request); null when the lease was lost. */
  renewLease(id: string, owner: string, now: Date, leaseMs: number): Promise<JobRecord | null>;
  /** Writes progress and/or a checkpoint of a job `owner` holds; false when the lease was lost. */
  updateJob(id: string, owner: string, update: JobUpdate): Promise<boolean>;
  /** Ends a job `owner` holds, releasing its lease and its type; false when the lease was lost. */
  finishJob(id: string, owner: string, end: JobEnd, update?: JobUpdate): Promise<boolean>;
  /** Gives a job `owner` holds back to the queue (its checkpoint and progress kept); false when the lease was lost. */
  releaseJob(id: string, owner: string, update?: JobUpdate): Promise<boolean>;
  /**
   * Asks a job to stop: a queued one is cancelled at once, a running one gets `cancel_requested` (its holder stops
   * at its next safe point). A job that had ended is left as it was. Returns the job as it now is, and whether it
   * had ended before; null when no such job.
   */
  cancelJob(id: string, now: Date): Promise<{ job: JobRecord; wasFinal: boolean } | null>;
}

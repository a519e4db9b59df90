import { Logger } from '@nestjs/common';
import { HoardError } from '@app/contracts';
import type { JobCounts, JobEnd, JobFailure, JobRecord, JobStore, JobUpdate } from '@app/metadata';
import type { JobContext, JobHandler, JobProgress } from './job-handler';
import type { AttemptEnd, JobEvents } from './job-metrics';

/** The runner writes a job's progress at most this often. */
export const PROGRESS_INTERVAL_MS = 1000;

/** Why an attempt was told to stop: a cancel request, its lease lost to another instance, or this server shutting down. */
export type StopReason = 'cancelled' | 'lease_lost' | 'shutdown';

/** The `signal.reason` a handler sees when its attempt is told to stop. */
export class JobStopped extends Error {
  constructor(readonly stopReason: StopReason) {
    super(`job stopped: ${stopReason.replace('_', ' ')}`);
    this.name = 'JobStopped';
  }
}

/** How long a lease is held and how often it is renewed. */
export interface LeaseTimes {
  leaseMs: number;
  renewMs: number;
}

/** What a handler's run came to. */
type Outcome = { result: Record<string, unknown> } | { error: unknown };

/**
 * A failure as a job records it: a HoardError's code and message (written for people); anything else only as an
 * internal error, since its message may name internal paths (the log has it, with its stack).
 */
export function jobFailureOf(error: unknown): JobFailure {
  if (error instanceof HoardError) return { code: error.code, message: error.message };
  return { code: 'internal_error', message: 'the job failed on an unexpected error; the server log has its details' };
}

/**
 * One attempt at one claimed job on this instance: it renews the lease, writes progress at most once a second,
 * aborts the handler's signal when told to stop (cancel, lease lost, shutdown), and ends the job as the stop reason
 * or the handler's outcome says. Every write to the job is conditional on the lease (see JobStore) and goes through
 * one queue, so they land in the order they were made.
 */
export class JobAttempt {
  private readonly controller = new AbortController();
  private stopReason: StopReason | null = null;
  private progress: JobCounts;
  private lastWrite = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private renewing = false;
  private settled = false;
  private leaseUntil: number;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: JobStore,
    readonly job: JobRecord,
    private readonly owner: string,
    private readonly times: LeaseTimes,
    private readonly logger: Logger,
    private readonly events: JobEvents | null = null,
  ) {
    this.progress = { ...job.progress };
    this.leaseUntil = job.lease?.expires_at.getTime() ?? Date.now() + times.leaseMs;
  }

  /** Runs the handler to its end and records that end; resolves when the job is settled (never rejects). */
  async run(handler: JobHandler): Promise<void> {
    this.renewTimer = setInterval(() => void this.renew(), this.times.renewMs);
    this.renewTimer.unref();
    try {
      if (this.job.cancel_requested) this.stop('cancelled');
      let outcome: Outcome;
      try {
        if (this.stopReason) throw this.controller.signal.reason;
        outcome = { result: await handler.run(this.context()) };
      } catch (error) {
        outcome = { error };
      }
      await this.settle(outcome);
    } catch (error) {
      // The store failed while the job was being ended: its lease runs out and another attempt takes it over.
      this.logger.error(`job ${this.job.id} (${this.job.type}) could not be recorded as ended: ${String(error)}`);
    } finally {
      this.dispose();
    }
  }

  /** Tells the handler to stop at its next safe point. The first reason stands, except that a lost lease overrides any. */
  stop(reason: StopReason): void {
    if (this.stopReason === 'lease_lost' || (this.stopReason !== null && reason !== 'lease_lost')) return;
    this.stopReason = reason;
    if (!this.controller.signal.aborted) this.controller.abort(new JobStopped(reason));
  }

  /** Stops renewing the lease (it then runs out) and writing progress. */
  dispose(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.renewTimer = this.flushTimer = null;
  }

  private context(): JobContext {
    return {
      jobId: this.job.id,
      dryRun: this.job.dry_run,
      options: this.job.options,
      signal: this.controller.signal,
      checkpoint: this.job.checkpoint,
      progress: (update) => this.report(update),
      saveCheckpoint: (value) => this.saveCheckpoint(value),
    };
  }

  private report(update: JobProgress): void {
    for (const key of ['done', 'total', 'bytes'] as const) {
      const value = update[key];
      if (value !== undefined) this.progress[key] = value;
    }
    if (this.flushTimer || this.settled || this.stopReason === 'lease_lost') return;
    const wait = Math.max(0, this.lastWrite + PROGRESS_INTERVAL_MS - Date.now());
    this.flushTimer = setTimeout(() => void this.flush(), wait);
    this.flushTimer.unref();
  }

  private async flush(): Promise<void> {
    this.flushTimer = null;
    this.lastWrite = Date.now();
    try {
      await this.held({ progress: { ...this.progress } });
    } catch (error) {
      this.logger.warn(`progress of job ${this.job.id} not written: ${String(error)}`);
    }
  }

  private async saveCheckpoint(value: unknown): Promise<void> {
    this.lastWrite = Date.now();
    if (!(await this.held({ checkpoint: value, progress: { ...this.progress } }))) throw this.controller.signal.reason;
  }

  /** Writes to the job while this attempt holds it; a refused write means the lease was lost. */
  private async held(update: JobUpdate): Promise<boolean> {
    const ok = await this.write(() => this.store.updateJob(this.job.id, this.owner, update));
    if (!ok) this.stop('lease_lost');
    return ok;
  }

  private async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    const sent = Date.now();
    try {
      const job = await this.write(() => this.store.renewLease(this.job.id, this.owner, new Date(sent), this.times.leaseMs));
      if (!job) return this.stop('lease_lost');
      this.leaseUntil = sent + this.times.leaseMs;
      if (job.cancel_requested) this.stop('cancelled');
    } catch (error) {
      this.logger.warn(`lease of job ${this.job.id} not renewed: ${String(error)}`);
      // Past its expiry another instance may have taken the job: this one must not go on with it.
      if (Date.now() >= this.leaseUntil) this.stop('lease_lost');
    } finally {
      this.renewing = false;
    }
  }

  /** Ends the job as the stop reason says, or as the handler's outcome does when nothing stopped it. */
  private async settle(outcome: Outcome): Promise<void> {
    this.settled = true;
    this.dispose();
    const id = `job ${this.job.id} (${this.job.type})`;
    const final = { progress: { ...this.progress } };
    let end: AttemptEnd = 'handed_on';
    try {
      if (this.stopReason === 'lease_lost') {
        this.logger.warn(`${id}: its lease was lost; another instance runs it now`);
      } else if (this.stopReason === 'shutdown') {
        if (await this.write(() => this.store.releaseJob(this.job.id, this.owner, final))) {
          this.logger.log(`${id}: back in the queue, to go on from its checkpoint`);
        }
      } else {
        const ending = this.endOf(outcome);
        if (!(await this.write(() => this.store.finishJob(this.job.id, this.owner, ending, final)))) {
          this.logger.warn(`${id}: its lease was lost before it ended; another instance runs it now`);
        } else {
          end = ending.state;
          if (ending.error) this.logger.warn(`${id}: failed: ${ending.error.code}: ${ending.error.message}`);
          else this.logger.log(`${id}: ${ending.state}`);
        }
      }
    } finally {
      const items = Math.max(0, this.progress.done - this.job.progress.done);
      const bytes = Math.max(0, this.progress.bytes - this.job.progress.bytes);
      this.events?.attemptEnded(this.job.type, end, items, bytes, new Date());
    }
  }

  private endOf(outcome: Outcome): JobEnd {
    const now = new Date();
    const result = 'result' in outcome ? (outcome.result ?? {}) : null;
    if (this.stopReason === 'cancelled') return { state: 'cancelled', result, now };
    if (result) return { state: 'succeeded', result, now };
    const error = (outcome as { error: unknown }).error;
    if (!(error instanceof HoardError))
      this.logger.error(`job ${this.job.id} (${this.job.type}) failed: ${String(error)}`, (error as Error)?.stack);
    return { state: 'failed', error: jobFailureOf(error), now };
  }

  /** Runs `fn` after every write made before it. */
  private write<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.writes.then(fn, fn);
    this.writes = next.catch(() => undefined);
    return next;
  }
}

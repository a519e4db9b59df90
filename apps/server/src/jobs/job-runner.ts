import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { JOB_STORE, type JobStore } from '@app/metadata';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ServerSettings } from '../config/server-settings';
import { JobAttempt } from './job-attempt';
import { JOB_HANDLERS, type JobHandler } from './job-handler';
import { JobMetrics } from './job-metrics';

/**
 * Runs the maintenance jobs of this instance. A claim loop on a timer (and at once when this instance queues a job)
 * takes queued jobs, and jobs whose holder died (their lease ran out), of the types it has handlers for and is not
 * running already, and runs each as a {@link JobAttempt}. At shutdown every running job is told to stop and goes
 * back to the queue with its checkpoint, for this or another instance to go on with.
 */
@Injectable()
export class JobRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly handlers: ReadonlyMap<string, JobHandler>;
  private readonly attempts = new Map<string, { attempt: JobAttempt; done: Promise<void> }>();
  /** This process among the instances, in lease owners: host, pid and a random part (a pid can come back). */
  private readonly instance = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private claims = 0;
  private started = false;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private pollAgain = false;

  constructor(
    @Inject(JOB_STORE) private readonly store: JobStore,
    @Inject(JOB_HANDLERS) handlers: JobHandler[],
    private readonly settings: ServerSettings,
    @Optional() private readonly metrics?: JobMetrics,
  ) {
    this.handlers = new Map(handlers.map((h) => [h.type, h]));
  }

  /** The handler of a job type, when this server has one. */
  handler(type: string): JobHandler | undefined {
    return this.handlers.get(type);
  }

  /** The job types this server runs. */
  get types(): string[] {
    return [...this.handlers.keys()];
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Starts the claim loop: a first look now, then one every poll interval. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.wake();
  }

  /** Looks for a job now (this instance just queued one) rather than at the next poll. */
  wake(): void {
    if (!this.started) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.polling = this.poll().finally(() => {
      this.polling = null;
      if (this.started) {
        this.timer = setTimeout(() => this.wake(), this.settings.jobPollMs);
        this.timer.unref();
      }
    });
  }

  /** Stops a job this instance runs at its next safe point (a cancel asked through this instance). */
  cancelLocal(id: string): void {
    this.attempts.get(id)?.attempt.stop('cancelled');
  }

  /**
   * Stops claiming, tells every running job to stop and waits for each to go back to the queue. A handler that does
   * not stop within a lease's length is left behind: its lease is no longer renewed, so another instance takes the
   * job over once it runs out.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
    const running = [...this.attempts.values()];
    for (const { attempt } of running) attempt.stop('shutdown');
    let timeout: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timeout = setTimeout(() => resolve('late'), this.settings.jobLeaseMs)));
    const outcome = await Promise.race([Promise.all(running.map((r) => r.done)), late]);
    clearTimeout(timeout);
    if (outcome === 'late') {
      for (const { attempt } of this.attempts.values()) {
        attempt.dispose();
        this.logger.warn(`job ${attempt.job.id} (${attempt.job.type}) did not stop in time; its lease will run out`);
      }
    }
  }

  /** Claims jobs until none is left that this instance can take. */
  private async poll(): Promise<void> {
    do {
      this.pollAgain = false;
      try {
        while (this.started) {
          const busy = new Set([...this.attempts.values()].map((r) => r.attempt.job.type));
          const types = this.types.filter((t) => !busy.has(t));
          if (types.length === 0) break;
          const owner = `${this.instance}:${++this.claims}`;
          const now = new Date();
          const job = await this.store.claimJob({ types, owner, now, leaseMs: this.settings.jobLeaseMs });
          if (!job) break;
          if (!this.started) {
            // Claimed while shutting down: give it straight back.
            await this.store.releaseJob(job.id, owner);
            break;
          }
          const resumed = job.checkpoint === null ? '' : ' from its checkpoint';
          this.logger.log(`job ${job.id} (${job.type}${job.dry_run ? ', dry run' : ''}) started${resumed}`);
          const times = { leaseMs: this.settings.jobLeaseMs, renewMs: this.settings.jobRenewMs };
          const attempt = new JobAttempt(this.store, job, owner, times, this.logger, this.metrics ?? null);
          const done = attempt.run(this.handlers.get(job.type)!).finally(() => this.attempts.delete(job.id));
          this.attempts.set(job.id, { attempt, done });
        }
      } catch (error) {
        this.logger.warn(`looking for jobs failed: ${String(error)}`);
      }
    } while (this.pollAgain && this.started);
  }
}

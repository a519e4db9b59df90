import { Inject, Injectable } from '@nestjs/common';
import { type CreateJobRequest, HoardError, type Job, type ListJobsQuery, LIMITS, type Page } from '@app/contracts';
import { JOB_STORE, type JobStore } from '@app/metadata';
import { fieldsFailed } from '../common/validation-errors';
import { JobRunner } from './job-runner';
import { toJobView } from './job-view';

/** The jobs of the API: queueing one of a type this server runs, reading, listing and cancelling them. */
@Injectable()
export class JobsService {
  constructor(
    @Inject(JOB_STORE) private readonly store: JobStore,
    private readonly runner: JobRunner,
  ) {}

  /**
   * Queues a job once its type's handler has checked its options, and wakes this instance's runner.
   * @throws HoardError validation_failed for a type this server does not run or bad options; conflict (with
   * `details.job_id`) when a job of the type is already queued or running on any instance.
   */
  async create(request: CreateJobRequest, now = new Date()): Promise<Job> {
    const { type, dry_run: dryRun, ...rest } = request;
    const handler = this.runner.handler(type);
    if (!handler) {
      const known = this.runner.types;
      const runs = known.length === 0 ? 'this server runs no maintenance jobs' : `this server runs ${known.join(', ')}`;
      throw fieldsFailed([{ field: 'type', errors: [`type ${type} is not a job this server runs (${runs})`] }]);
    }
    const options = handler.parseOptions(rest);
    const job = await this.store.createJob({ type, dry_run: dryRun ?? false, options }, now);
    this.runner.wake();
    return toJobView(job);
  }

  /** @throws HoardError not_found */
  async get(id: string): Promise<Job> {
    const job = await this.store.getJob(id);
    if (!job) throw notFound(id);
    return toJobView(job);
  }

  /** Newest first. */
  async list(query: ListJobsQuery): Promise<Page<Job>> {
    const page = await this.store.listJobs({
      type: query.type,
      state: query.state,
      limit: query.limit ?? LIMITS.listLimitDefault,
      cursor: query.cursor,
    });
    return { items: page.items.map(toJobView), next_cursor: page.nextCursor };
  }

  /**
   * Cancels a queued job at once; a running one stops at its next safe point (at once when this instance runs it).
   * @throws HoardError not_found; conflict when the job had already ended.
   */
  async cancel(id: string, now = new Date()): Promise<Job> {
    const outcome = await this.store.cancelJob(id, now);
    if (!outcome) throw notFound(id);
    const { job, wasFinal } = outcome;
    if (wasFinal) {
      throw new HoardError('conflict', `Job ${id} already ended (${job.state}): there is nothing to cancel`, {
        details: { job_id: id, state: job.state },
      });
    }
    this.runner.cancelLocal(id);
    return toJobView(job);
  }
}

function notFound(id: string): HoardError {
  return new HoardError('not_found', `No job ${id}`);
}

import { CreateJobRequest, Job, ListJobsQuery, Page, RetentionRuleInput, RetentionRules, ROUTES } from '@app/contracts';
import { KeyRoutes } from './key-routes';

/** The routes of maintenance (`/api/v1/jobs`, `/api/v1/retention`): admin keys only. */
export abstract class MaintenanceRoutes extends KeyRoutes {
  /** Queues a job; `conflict` (with `details.job_id`) when one of its type is queued or running. Not retried: it is not idempotent. */
  createJob(request: CreateJobRequest): Promise<Job> {
    return this.http.json({ method: 'POST', path: ROUTES.jobs, json: request, idempotent: false, what: 'start job' });
  }

  getJob(id: string): Promise<Job> {
    return this.http.json({ method: 'GET', path: ROUTES.job(id), what: 'job' });
  }

  /** One page of jobs, newest first. */
  listJobs(query: ListJobsQuery = {}): Promise<Page<Job>> {
    return this.http.json({ method: 'GET', path: ROUTES.jobs, query: { ...query }, what: 'list jobs' });
  }

  /** Cancels a job: a queued one at once, a running one at its next safe point. */
  cancelJob(id: string): Promise<Job> {
    return this.http.json({ method: 'DELETE', path: ROUTES.job(id), what: 'cancel job' });
  }

  /** The retention rules. */
  getRetention(): Promise<RetentionRules> {
    return this.http.json({ method: 'GET', path: ROUTES.retention, what: 'retention rules' });
  }

  /** Replaces every retention rule; answers the rules now in force. */
  setRetention(rules: RetentionRuleInput[]): Promise<RetentionRules> {
    return this.http.json({ method: 'PUT', path: ROUTES.retention, json: { rules }, idempotent: true, what: 'set retention rules' });
  }
}

import type { Job } from '@app/contracts';
import type { JobRecord } from '@app/metadata';

/** A stored job as the API shows it (without its lease and checkpoint, which are the runner's). */
export function toJobView(job: JobRecord): Job {
  return {
    id: job.id,
    type: job.type as Job['type'],
    state: job.state,
    dry_run: job.dry_run,
    options: job.options,
    progress: { ...job.progress },
    result: job.result,
    error: job.error,
    created_at: job.created_at.toISOString(),
    started_at: job.started_at?.toISOString() ?? null,
    ended_at: job.ended_at?.toISOString() ?? null,
    cancel_requested: job.cancel_requested,
  };
}

import type { Http } from './http';

/** A job as `GET /api/v1/jobs/{id}` answers it. */
export interface JobView {
  id: string;
  type: string;
  state: string;
  dry_run: boolean;
  progress: { done: number; total: number | null; bytes: number };
  result: Record<string, number> | null;
  error: { code: string; message: string } | null;
}

/** Polls a job until it is no longer queued or running (a deadline, no fixed sleep). */
export async function jobEnded(api: Http, id: string, timeoutMs = 120_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
    const res = await api.get(`/api/v1/jobs/${id}`);
    if (res.status !== 200) throw new Error(`job ${id}: ${res.status} ${res.text}`);
    const job = res.json<JobView>();
    if (job.state !== 'queued' && job.state !== 'running') return job;
    if (Date.now() > deadline) throw new Error(`job ${id} is still ${job.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** Queues a job of `type` (`dry_run` as given) and waits for its end. */
export async function runJob(api: Http, type: string, dryRun = false, timeoutMs?: number): Promise<JobView> {
  const res = await api.post('/api/v1/jobs', { type, dry_run: dryRun });
  if (res.status !== 202) throw new Error(`${type} job not queued: ${res.status} ${res.text}`);
  return jobEnded(api, res.json<JobView>().id, timeoutMs);
}

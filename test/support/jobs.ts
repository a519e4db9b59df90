import { expectStatus, type Http } from './http';

/** A job as `GET /api/v1/jobs/{id}` answers it (the fields the specs read). */
export interface JobView {
  id: string;
  type: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  dry_run: boolean;
  progress: { done: number; total: number | null; bytes: number };
  result: Record<string, any> | null;
  error: { code: string; message: string } | null;
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** `POST /api/v1/jobs` with `body` (an admin's key), expecting `202`. */
export async function startJob(admin: Http, body: Record<string, unknown>): Promise<JobView> {
  const res = await admin.post('/api/v1/jobs', body);
  expectStatus(res, 202);
  return res.json();
}

/** Polls the job until `until` holds (default: it ended), failing after `timeoutMs`. */
export async function waitForJob(
  admin: Http,
  id: string,
  until: (job: JobView) => boolean = (j) => FINAL.has(j.state),
  timeoutMs = 60_000,
): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await admin.get(`/api/v1/jobs/${id}`);
    expectStatus(res, 200);
    const job: JobView = res.json();
    if (until(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not get there in ${timeoutMs} ms; it is ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs a job to its end and returns it as it ended. */
export async function runJob(admin: Http, body: Record<string, unknown>, timeoutMs?: number): Promise<JobView> {
  const job = await startJob(admin, body);
  return waitForJob(admin, job.id, undefined, timeoutMs);
}

import type { Job, JobState } from '@app/contracts';
import type { HoardClient } from '@app/client';

/** The states a job ends in. */
export const FINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

/**
 * Reads a job every `intervalMs` until it ends, handing each reading to `onUpdate`; resolves with the ended job.
 * Transient failures are the client's to retry.
 */
export async function watchJob(api: HoardClient, id: string, onUpdate: (job: Job) => void, intervalMs = 1000): Promise<Job> {
  for (;;) {
    const job = await api.getJob(id);
    onUpdate(job);
    if (FINAL_STATES.includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A job's counts for people: `1,234/10,000 (12%)`, with bytes when it counted any. */
export function progressText(job: Job, bytes: (n: number) => string): string {
  const { done, total } = job.progress;
  const count = total === null ? done.toLocaleString('en-US') : `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
  const percent = total ? ` (${Math.min(100, Math.floor((done / total) * 100))}%)` : '';
  return `${count}${percent}${job.progress.bytes > 0 ? `, ${bytes(job.progress.bytes)}` : ''}`;
}

/** What a job came to, in one line: its result's counts, or its error. */
export function outcomeText(job: Job): string {
  if (job.error) return `${job.error.code}: ${job.error.message}`;
  if (!job.result) return '';
  return Object.entries(job.result)
    .map(
      ([key, value]) => `${key} ${Array.isArray(value) ? value.length : typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
    )
    .join(', ');
}

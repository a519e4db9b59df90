import type { Job } from '@app/contracts';
import type { HoardClient } from '@app/client';
import { formatBytes } from '../../ui/format';
import { outcomeText, progressText, watchJob } from './job-watch';

function job(extra: Partial<Job> = {}): Job {
  return {
    id: '7',
    type: 'prune',
    state: 'running',
    dry_run: false,
    options: {},
    progress: { done: 0, total: null, bytes: 0 },
    result: null,
    error: null,
    created_at: '2026-01-01T00:00:00.000Z',
    started_at: null,
    ended_at: null,
    cancel_requested: false,
    ...extra,
  };
}

describe('job-watch', () => {
  it('reads a job until it ends, handing on every reading', async () => {
    const readings = [job(), job({ progress: { done: 5, total: 10, bytes: 0 } }), job({ state: 'succeeded' })];
    const api = { getJob: jest.fn(async () => readings.shift()!) } as unknown as HoardClient;
    const seen: string[] = [];
    const sut = await watchJob(api, '7', (j) => seen.push(`${j.state}:${j.progress.done}`), 1);
    expect(sut.state).toBe('succeeded');
    expect(seen).toEqual(['running:0', 'running:5', 'succeeded:0']);
    expect(api.getJob).toHaveBeenCalledWith('7');
  });

  it('shows progress with its share of the total and its bytes when there are any', () => {
    expect(progressText(job({ progress: { done: 1234, total: null, bytes: 0 } }), formatBytes)).toBe('1,234');
    expect(progressText(job({ progress: { done: 1234, total: 10_000, bytes: 3 * 1024 * 1024 } }), formatBytes)).toBe(
      '1,234/10,000 (12%), 3.00 MiB',
    );
  });

  it('says what a job came to: its counts, its lists by their length, or its error', () => {
    expect(outcomeText(job({ result: { records_removed: 7, paths_affected: 4 } }))).toBe('records_removed 7, paths_affected 4');
    expect(outcomeText(job({ result: { blobs_checked: 3, corrupt: ['a', 'b'], missing: [] } }))).toBe(
      'blobs_checked 3, corrupt 2, missing 0',
    );
    expect(outcomeText(job({ error: { code: 'unavailable', message: 'the store went away' } }))).toBe('unavailable: the store went away');
    expect(outcomeText(job())).toBe('');
  });
});

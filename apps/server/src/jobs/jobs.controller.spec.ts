import { AppFixture, appFixture } from '../testing/app-fixture';

describe('JobsController (in process)', () => {
  let f: AppFixture;
  beforeEach(async () => (f = await appFixture()));
  afterEach(() => f.close());

  const post = (payload: object, key?: string) => f.request({ method: 'POST', url: '/api/v1/jobs', payload }, key);
  const error = (res: { statusCode: number; json(): any }) => [res.statusCode, res.json().error.code, res.json().error.details];

  it('answers a job type that is not one of the API with 400 naming type, and checks dry_run', async () => {
    expect(error(await post({ type: 'defrag' }))).toEqual([
      400,
      'validation_failed',
      { fields: [{ field: 'type', errors: ['type must be one of: prune, gc, scrub'] }] },
    ]);
    expect(error(await post({ type: 'prune', dry_run: 'yes' }))).toEqual([
      400,
      'validation_failed',
      { fields: [{ field: 'dry_run', errors: ['dry_run must be true or false'] }] },
    ]);
    expect(error(await post({}))).toEqual([400, 'validation_failed', { fields: [{ field: 'type', errors: ['type is required'] }] }]);
  });

  it('queues a prune (202) that then runs; a second one while the first is active is a 409 naming it', async () => {
    await f.metadata.setRetentionRules([{ hostname: '*', path_prefix: '', keep_last: 1, keep_within_days: null, keep_deleted_days: null }]);
    await f.metadata.createJob({ type: 'prune', dry_run: false, options: {} }, new Date());
    const [active] = (await f.metadata.listJobs({ limit: 1 })).items;
    expect(error(await post({ type: 'prune', dry_run: true }))).toEqual([409, 'conflict', { job_id: active.id }]);
    await f.metadata.cancelJob(active.id, new Date());
    const queued = await post({ type: 'prune', dry_run: true, max_records_per_second: 1000 });
    expect([queued.statusCode, queued.json()]).toEqual([
      202,
      expect.objectContaining({ type: 'prune', state: 'queued', dry_run: true, options: { max_records_per_second: 1000 } }),
    ]);
    let job = queued.json();
    for (let i = 0; i < 100 && job.state !== 'succeeded'; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      job = (await f.request({ method: 'GET', url: `/api/v1/jobs/${job.id}` })).json();
    }
    expect(job).toMatchObject({ state: 'succeeded', result: { records_removed: 0, paths_affected: 0 }, error: null });
    let metrics = '';
    // Counted right after the job's end is written.
    for (let i = 0; i < 100 && !metrics.includes('hoard_jobs_total{'); i++) {
      await new Promise((resolve) => setImmediate(resolve));
      metrics = (await f.request({ method: 'GET', url: '/metrics' }, null)).body;
    }
    expect(metrics).toContain('hoard_jobs_total{type="prune",result="succeeded"} 1');
    expect(metrics).toMatch(/hoard_job_last_success_timestamp_seconds\{type="prune"\} \d{10}/);
    expect(error(await post({ type: 'prune', max_records_per_second: 0 }))[0]).toBe(400);
  });

  it('has a handler for every job type of the API (a type without one is a 400: see JobsService)', async () => {
    const res = await post({ type: 'gc', dry_run: true });
    expect([res.statusCode, res.json().type, res.json().dry_run]).toEqual([202, 'gc', true]);
  });

  it('is for admin keys only', async () => {
    const writer = await f.key('write');
    for (const req of [
      { method: 'POST' as const, url: '/api/v1/jobs', payload: { type: 'prune' } },
      { method: 'GET' as const, url: '/api/v1/jobs' },
      { method: 'GET' as const, url: '/api/v1/jobs/1' },
      { method: 'DELETE' as const, url: '/api/v1/jobs/1' },
    ]) {
      expect((await f.request(req, writer)).statusCode).toBe(403);
      expect((await f.request(req, null)).statusCode).toBe(401);
    }
  });

  it('shows a job, lists jobs newest first with their filters, and cancels a queued job (202), then answers 409', async () => {
    const older = await f.metadata.createJob({ type: 'gc', dry_run: true, options: { grace: 1 } }, new Date('2026-01-01T00:00:00Z'));
    const newer = await f.metadata.createJob({ type: 'scrub', dry_run: false, options: {} }, new Date('2026-01-01T00:01:00Z'));
    const shown = await f.request({ method: 'GET', url: `/api/v1/jobs/${older.id}` });
    expect([shown.statusCode, shown.json()]).toEqual([
      200,
      {
        id: older.id,
        type: 'gc',
        state: 'queued',
        dry_run: true,
        options: { grace: 1 },
        progress: { done: 0, total: null, bytes: 0 },
        result: null,
        error: null,
        created_at: '2026-01-01T00:00:00.000Z',
        started_at: null,
        ended_at: null,
        cancel_requested: false,
      },
    ]);
    const listed = await f.request({ method: 'GET', url: '/api/v1/jobs?limit=1' });
    expect(listed.json()).toEqual({ items: [expect.objectContaining({ id: newer.id })], next_cursor: expect.any(String) });
    const rest = await f.request({ method: 'GET', url: `/api/v1/jobs?limit=1&cursor=${listed.json().next_cursor}` });
    expect(rest.json()).toEqual({ items: [expect.objectContaining({ id: older.id })], next_cursor: null });
    const gcs = await f.request({ method: 'GET', url: '/api/v1/jobs?type=gc&state=queued' });
    expect(gcs.json().items.map((j: { id: string }) => j.id)).toEqual([older.id]);

    const cancelled = await f.request({ method: 'DELETE', url: `/api/v1/jobs/${older.id}` });
    expect([cancelled.statusCode, cancelled.json().state, cancelled.json().cancel_requested]).toEqual([202, 'cancelled', true]);
    const again = await f.request({ method: 'DELETE', url: `/api/v1/jobs/${older.id}` });
    expect(error(again)).toEqual([409, 'conflict', { job_id: older.id, state: 'cancelled' }]);
    expect((await f.request({ method: 'GET', url: `/api/v1/jobs/${older.id}` })).json().state).toBe('cancelled');
  });

  it('answers unknown ids 404, a bad filter or cursor 400', async () => {
    expect(error(await f.request({ method: 'GET', url: '/api/v1/jobs/77' }))[0]).toBe(404);
    expect(error(await f.request({ method: 'DELETE', url: '/api/v1/jobs/not-a-job' }))[0]).toBe(404);
    expect(error(await f.request({ method: 'GET', url: '/api/v1/jobs?state=sleeping' }))).toEqual([
      400,
      'validation_failed',
      { fields: [{ field: 'state', errors: ['state must be one of: queued, running, succeeded, failed, cancelled'] }] },
    ]);
    expect(error(await f.request({ method: 'GET', url: '/api/v1/jobs?cursor=zzz' }))[0]).toBe(400);
  });
});

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

import { AppFixture, appFixture } from '../../testing/app-fixture';
import { content } from '../../testing/service-fixtures';

describe('gc through /api/v1/jobs (in process)', () => {
  let f: AppFixture;
  beforeEach(async () => (f = await appFixture({ HOARD_GC_GRACE_SECONDS: '0' })));
  afterEach(() => f.close());

  /** Polls the job until it ends (a deadline, not a sleep: the runner wakes at once for a job queued here). */
  const ended = async (id: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const job = (await f.request({ method: 'GET', url: `/api/v1/jobs/${id}` })).json();
      if (!['queued', 'running'].includes(job.state)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('refuses an option gc does not have, naming it, and queues nothing', async () => {
    const res = await f.request({ method: 'POST', url: '/api/v1/jobs', payload: { type: 'gc', grace_seconds: 0 } });
    expect([res.statusCode, res.json().error.code, res.json().error.details.fields[0].field]).toEqual([
      400,
      'validation_failed',
      'grace_seconds',
    ]);
    expect((await f.request({ method: 'GET', url: '/api/v1/jobs' })).json().items).toEqual([]);
  });

  it('removes the content no record references, counts it in a dry run first, and shows it in /stats', async () => {
    const [kept, dropped] = [content(10), content(20)];
    for (const c of [kept, dropped]) {
      const put = await f.request({
        method: 'PUT',
        url: `/api/v1/blobs/${c.sha}`,
        payload: c.bytes,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(put.statusCode).toBe(201);
    }
    const recorded = await f.request({
      method: 'POST',
      url: '/api/v1/files',
      payload: { hostname: 'h', filepath: '/k', sha256: kept.sha, size: 10 },
    });
    expect(recorded.json()).toMatchObject({ upload_required: false });
    // Stored a second ago: past a grace of 0 even for a run that starts within the same millisecond.
    await f.metadata.registerBlob(dropped.sha, 20, new Date(Date.now() - 1000));
    expect((await f.request({ method: 'GET', url: '/api/v1/stats' })).json()).toMatchObject({
      blobs: 2,
      unreferenced_blobs: 1,
      unreferenced_bytes: 20,
      quarantined_blobs: 0,
    });

    const dry = await f.request({ method: 'POST', url: '/api/v1/jobs', payload: { type: 'gc', dry_run: true } });
    expect(dry.statusCode).toBe(202);
    const expected = { blobs_removed: 1, bytes_freed: 20, orphans_adopted: 0, packs_rewritten: 0 };
    expect(await ended(dry.json().id)).toMatchObject({ state: 'succeeded', dry_run: true, result: expected });
    expect((await f.request({ method: 'GET', url: `/api/v1/blobs/${dropped.sha}` })).statusCode).toBe(200);

    const run = await f.request({ method: 'POST', url: '/api/v1/jobs', payload: { type: 'gc' } });
    expect(await ended(run.json().id)).toMatchObject({ state: 'succeeded', result: expected, progress: { bytes: 20 } });
    expect((await f.request({ method: 'GET', url: `/api/v1/blobs/${dropped.sha}` })).statusCode).toBe(404);
    expect((await f.request({ method: 'GET', url: `/api/v1/blobs/${kept.sha}` })).rawPayload).toEqual(kept.bytes);
    expect((await f.request({ method: 'GET', url: '/api/v1/stats' })).json()).toMatchObject({ blobs: 1, unreferenced_blobs: 0 });
  });
});

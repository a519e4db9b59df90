import { Logger } from '@nestjs/common';
import { SqliteMetadataStore } from '@app/metadata';
import { testSettings } from '../testing/service-fixtures';
import { SteppingJob } from '../testing/stepping-job';
import { JobRunner } from './job-runner';
import { JobsService } from './jobs.service';

describe('JobsService', () => {
  let metadata: SqliteMetadataStore;
  let runner: JobRunner;
  let sut: JobsService;
  const scrub = new SteppingJob('scrub', 1000, 100);

  beforeEach(async () => {
    Logger.overrideLogger(false);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'], now: new Date('2026-01-01T00:00:00Z') });
    metadata = new SqliteMetadataStore({ path: ':memory:' });
    await metadata.init();
    runner = new JobRunner(metadata, [scrub, new SteppingJob('prune', 1, 10)], testSettings());
    runner.start();
    sut = new JobsService(metadata, runner);
  });

  afterEach(async () => {
    const stopping = runner.stop();
    await jest.advanceTimersByTimeAsync(1000);
    await stopping;
    jest.useRealTimers();
    await metadata.close();
  });

  it('queues a job with the options its handler took, and starts it at once on this instance', async () => {
    const job = await sut.create({ type: 'scrub', dry_run: true, rate: 7 });
    expect(job).toEqual({
      id: expect.any(String),
      type: 'scrub',
      state: 'queued',
      dry_run: true,
      options: { rate: 7 },
      progress: { done: 0, total: null, bytes: 0 },
      result: null,
      error: null,
      created_at: '2026-01-01T00:00:00.000Z',
      started_at: null,
      ended_at: null,
      cancel_requested: false,
    });
    await jest.advanceTimersByTimeAsync(0);
    expect(await sut.get(job.id)).toMatchObject({ state: 'running', started_at: '2026-01-01T00:00:00.000Z' });
    expect((await sut.create({ type: 'prune' })).dry_run).toBe(false);
  });

  it('refuses a type this server does not run, and options its handler refuses, queueing nothing', async () => {
    await expect(sut.create({ type: 'gc' })).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: [{ field: 'type', errors: ['type gc is not a job this server runs (this server runs scrub, prune)'] }] },
    });
    await expect(sut.create({ type: 'scrub', bad: 1 })).rejects.toMatchObject({
      code: 'validation_failed',
      message: 'bad is not an option',
    });
    expect(await sut.list({})).toEqual({ items: [], next_cursor: null });
    const none = new JobsService(metadata, new JobRunner(metadata, [], testSettings()));
    await expect(none.create({ type: 'prune' })).rejects.toMatchObject({
      details: { fields: [{ field: 'type', errors: ['type prune is not a job this server runs (this server runs no maintenance jobs)'] }] },
    });
  });

  it('answers a second job of an active type with conflict naming the active job', async () => {
    const first = await sut.create({ type: 'scrub' });
    await expect(sut.create({ type: 'scrub', dry_run: true })).rejects.toMatchObject({ code: 'conflict', details: { job_id: first.id } });
  });

  it('reads one job, lists them newest first page by page, and knows unknown ids', async () => {
    const a = await sut.create({ type: 'prune' });
    await jest.advanceTimersByTimeAsync(100);
    const b = await sut.create({ type: 'prune' });
    const c = await sut.create({ type: 'scrub' });
    expect((await sut.get(a.id)).state).toBe('succeeded');
    const first = await sut.list({ limit: 2 });
    expect(first.items.map((j) => j.id)).toEqual([c.id, b.id]);
    expect((await sut.list({ limit: 2, cursor: first.next_cursor! })).items.map((j) => j.id)).toEqual([a.id]);
    expect((await sut.list({ type: 'prune', state: 'succeeded' })).items.map((j) => j.id)).toEqual([a.id]);
    await expect(sut.get('4242')).rejects.toMatchObject({ code: 'not_found', message: 'No job 4242' });
  });

  it('cancels a queued job at once and a running one here at its next safe point; an ended one is a conflict', async () => {
    const running = await sut.create({ type: 'scrub' });
    await jest.advanceTimersByTimeAsync(250);
    expect(await sut.cancel(running.id)).toMatchObject({ state: 'running', cancel_requested: true });
    await jest.advanceTimersByTimeAsync(100);
    expect(await sut.get(running.id)).toMatchObject({ state: 'cancelled', progress: { done: 3 } });
    await expect(sut.cancel(running.id)).rejects.toMatchObject({
      code: 'conflict',
      details: { job_id: running.id, state: 'cancelled' },
    });
    await expect(sut.cancel('4242')).rejects.toMatchObject({ code: 'not_found' });

    await metadata.createJob({ type: 'gc', dry_run: false, options: {} }, new Date());
    const [queued] = (await sut.list({ type: 'gc' })).items;
    expect(await sut.cancel(queued.id)).toMatchObject({ state: 'cancelled', cancel_requested: true, ended_at: expect.any(String) });
  });
});

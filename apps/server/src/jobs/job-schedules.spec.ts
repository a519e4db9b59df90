import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SqliteMetadataStore } from '@app/metadata';
import { testSettings } from '../testing/service-fixtures';
import { SteppingJob } from '../testing/stepping-job';
import { JobRunner } from './job-runner';
import { JobSchedules } from './job-schedules';
import { JobsService } from './jobs.service';

describe('JobSchedules', () => {
  let metadata: SqliteMetadataStore;
  let runner: JobRunner;
  let registry: SchedulerRegistry;
  let notes: string[];

  beforeEach(async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'], now: new Date('2026-01-01T00:00:00Z') });
    notes = [];
    Logger.overrideLogger({ log: (m: string) => notes.push(m), warn: (m: string) => notes.push(`warn: ${m}`), error: () => undefined });
    metadata = new SqliteMetadataStore({ path: ':memory:' });
    await metadata.init();
    registry = new SchedulerRegistry();
  });

  afterEach(async () => {
    for (const job of registry.getCronJobs().values()) await job.stop();
    const stopping = runner.stop();
    await jest.advanceTimersByTimeAsync(200);
    await stopping;
    jest.useRealTimers();
    Logger.overrideLogger(false);
    await metadata.close();
  });

  it('queues a job of each scheduled type at each tick; a tick while one is active only notes it', async () => {
    const settings = testSettings({ jobSchedules: { prune: '*/10 * * * * *', gc: '0 3 * * *' } });
    runner = new JobRunner(metadata, [new SteppingJob('prune', 150, 100)], settings);
    runner.start();
    const sut = new JobSchedules(settings, new JobsService(metadata, runner), runner, registry);
    sut.onApplicationBootstrap();
    expect([...registry.getCronJobs().keys()]).toEqual(['prune-schedule']);
    expect(notes).toContain('warn: HOARD_GC_SCHEDULE is set, but this server runs no gc jobs: it is not scheduled');

    await jest.advanceTimersByTimeAsync(9_900);
    expect((await metadata.listJobs({ limit: 10 })).items).toEqual([]);
    await jest.advanceTimersByTimeAsync(200);
    const [first] = (await metadata.listJobs({ limit: 10 })).items;
    expect(first).toMatchObject({ type: 'prune', state: 'running', dry_run: false });
    await jest.advanceTimersByTimeAsync(10_000);
    expect((await metadata.listJobs({ limit: 10 })).items).toHaveLength(1);
    expect(notes).toContain(`scheduled prune job not queued: job ${first.id} is queued or running`);
    await jest.advanceTimersByTimeAsync(10_000);
    expect((await metadata.getJob(first.id))!.state).toBe('succeeded');
    const after = (await metadata.listJobs({ limit: 10 })).items;
    expect(after.map((j) => j.state)).toEqual(['running', 'succeeded']);
  });
});

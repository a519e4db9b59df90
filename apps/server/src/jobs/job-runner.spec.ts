import { Logger } from '@nestjs/common';
import { HoardError } from '@app/contracts';
import { type JobRecord, type JobStore, SqliteMetadataStore } from '@app/metadata';
import { testSettings } from '../testing/service-fixtures';
import { SteppingJob } from '../testing/stepping-job';
import { JobStopped } from './job-attempt';
import type { JobHandler } from './job-handler';
import { JobRunner } from './job-runner';

/** The lease, renewal and poll of these specs: 30 s, 10 s, 5 s (the defaults). */
const settings = testSettings({ jobLeaseMs: 30_000, jobRenewMs: 10_000, jobPollMs: 5_000 });
const START = new Date('2026-01-01T00:00:00Z');

/**
 * The store as one instance sees it, which can stop answering (`hang`), as from a process that froze or died, or
 * fail every call (`fail`), as when the database cannot be reached from that instance.
 */
function breakable(store: JobStore): { store: JobStore; hang(): void; fail(): void } {
  let mode: 'ok' | 'hang' | 'fail' = 'ok';
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (mode === 'hang') return new Promise(() => undefined);
        if (mode === 'fail') return Promise.reject(new HoardError('unavailable', 'metadata database unavailable'));
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, hang: () => (mode = 'hang'), fail: () => (mode = 'fail') };
}

describe('JobRunner', () => {
  let metadata: SqliteMetadataStore;
  const runners: JobRunner[] = [];
  const seconds = (s: number) => jest.advanceTimersByTimeAsync(s * 1000);
  const job = async (id: string) => (await metadata.getJob(id))!;

  function runner(handlers: JobHandler[], store: JobStore = metadata): JobRunner {
    const sut = new JobRunner(store, handlers, settings);
    runners.push(sut);
    sut.start();
    return sut;
  }

  beforeEach(async () => {
    Logger.overrideLogger(false);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'], now: START });
    metadata = new SqliteMetadataStore({ path: ':memory:' });
    await metadata.init();
  });

  afterEach(async () => {
    const stopping = Promise.all(runners.splice(0).map((r) => r.stop()));
    await jest.advanceTimersByTimeAsync(60_000);
    await stopping;
    jest.useRealTimers();
    await metadata.close();
  });

  it('takes a job queued before it started at once, runs it and records its result and final progress', async () => {
    const handler = new SteppingJob('scrub', 20, 100);
    const queued = await metadata.createJob({ type: 'scrub', dry_run: true, options: { rate: 5 } }, START);
    runner([handler]);
    await seconds(0);
    expect(await job(queued.id)).toMatchObject({
      state: 'running',
      started_at: START,
      lease: { expires_at: new Date(START.getTime() + 30_000) },
    });
    expect(handler.attempts.map((c) => [c.jobId, c.dryRun, c.options, c.checkpoint])).toEqual([[queued.id, true, { rate: 5 }, null]]);
    await seconds(2);
    expect(await job(queued.id)).toMatchObject({
      state: 'succeeded',
      result: { from: 0, items: 20 },
      error: null,
      progress: { done: 20, total: 20, bytes: 200 },
      ended_at: new Date(START.getTime() + 2000),
      lease: null,
    });
  });

  it('takes a job another instance queued at its next poll, and one queued here at once when woken', async () => {
    const sut = runner([new SteppingJob('prune', 1, 10), new SteppingJob('gc', 1, 10)]);
    await seconds(1);
    const elsewhere = await metadata.createJob({ type: 'prune', dry_run: false, options: {} }, new Date());
    await seconds(3.9);
    expect((await job(elsewhere.id)).state).toBe('queued');
    await seconds(0.2);
    expect((await job(elsewhere.id)).state).not.toBe('queued');
    const here = await metadata.createJob({ type: 'gc', dry_run: false, options: {} }, new Date());
    sut.wake();
    await seconds(0);
    expect((await job(here.id)).state).toBe('running');
    await seconds(1);
    expect([(await job(elsewhere.id)).state, (await job(here.id)).state]).toEqual(['succeeded', 'succeeded']);
  });

  it('runs a job of each type beside the others, and takes only types it has handlers for', async () => {
    const scrub = new SteppingJob('scrub', 30, 100);
    const prune = new SteppingJob('prune', 10, 100);
    const jobs = await Promise.all(
      ['scrub', 'prune', 'gc'].map((type) => metadata.createJob({ type, dry_run: false, options: {} }, START)),
    );
    runner([scrub, prune]);
    await seconds(0.5);
    expect(await Promise.all(jobs.map(async (j) => (await job(j.id)).state))).toEqual(['running', 'running', 'queued']);
    await seconds(3);
    expect(await Promise.all(jobs.map(async (j) => (await job(j.id)).state))).toEqual(['succeeded', 'succeeded', 'queued']);
  });

  it('writes progress at once, then at most once a second however often the handler reports it', async () => {
    const handler = new SteppingJob('scrub', 10_000, 1, 1_000_000);
    const writes = jest.spyOn(metadata, 'updateJob');
    const queued = await metadata.createJob({ type: 'scrub', dry_run: false, options: {} }, START);
    runner([handler]);
    await seconds(0);
    expect(writes).toHaveBeenCalledTimes(1);
    expect((await job(queued.id)).progress).toEqual({ done: 0, total: 10_000, bytes: 0 });
    await seconds(0.99);
    expect(writes).toHaveBeenCalledTimes(1);
    await seconds(0.02);
    // Written when its second came, as reported by then (the thousandth item ends at that same moment, just after).
    expect(writes).toHaveBeenCalledTimes(2);
    expect((await job(queued.id)).progress).toEqual({ done: 999, total: 10_000, bytes: 9990 });
    await seconds(5);
    expect(writes).toHaveBeenCalledTimes(7);
    expect((await job(queued.id)).progress.done).toBe(5999);
    await seconds(4);
    expect(await job(queued.id)).toMatchObject({ state: 'succeeded', progress: { done: 10_000, total: 10_000, bytes: 100_000 } });
  });

  it('stops a running job at its next safe point once a cancel is seen at a renewal, keeping a partial result', async () => {
    const handler = new SteppingJob('gc', 1000, 100);
    handler.returnOnStop = true;
    const queued = await metadata.createJob({ type: 'gc', dry_run: false, options: {} }, START);
    runner([handler]);
    await seconds(3.05);
    expect(await metadata.cancelJob(queued.id, new Date())).toMatchObject({
      wasFinal: false,
      job: { state: 'running', cancel_requested: true },
    });
    await seconds(6.9);
    expect((await job(queued.id)).state).toBe('running');
    await seconds(0.2);
    expect(handler.attempts[0].signal.reason).toEqual(new JobStopped('cancelled'));
    expect(await job(queued.id)).toMatchObject({
      state: 'cancelled',
      result: { from: 0, items: 100 },
      cancel_requested: true,
      lease: null,
    });
  });

  it('stops a job at once when the cancel comes through its own instance', async () => {
    const handler = new SteppingJob('gc', 1000, 100);
    const queued = await metadata.createJob({ type: 'gc', dry_run: false, options: {} }, START);
    const sut = runner([handler]);
    await seconds(1.05);
    await metadata.cancelJob(queued.id, new Date());
    sut.cancelLocal(queued.id);
    // The item under way when the cancel came is finished; the next safe point is before the one after it.
    await seconds(0.05);
    expect(await job(queued.id)).toMatchObject({ state: 'cancelled', result: null, progress: { done: 11 } });
  });

  it('ends a job whose holder died with a cancel asked for as cancelled, without running it', async () => {
    const queued = await metadata.createJob({ type: 'gc', dry_run: false, options: {} }, START);
    await metadata.claimJob({ types: ['gc'], owner: 'dead', now: START, leaseMs: 30_000 });
    await metadata.cancelJob(queued.id, START);
    const handler = new SteppingJob('gc');
    runner([handler]);
    await seconds(31);
    await seconds(5);
    expect(handler.attempts).toEqual([]);
    expect(await job(queued.id)).toMatchObject({ state: 'cancelled', result: null });
  });

  it('records a handler that throws as failed with its code and message, an unexpected error without its words', async () => {
    const handler = new SteppingJob('scrub', 10, 100);
    handler.failure = { at: 3, error: new HoardError('unavailable', 'blob store unreachable') };
    const other = new SteppingJob('prune', 10, 100);
    other.failure = { at: 0, error: new TypeError('x is not a function') };
    const a = await metadata.createJob({ type: 'scrub', dry_run: false, options: {} }, START);
    const b = await metadata.createJob({ type: 'prune', dry_run: false, options: {} }, START);
    runner([handler, other]);
    await seconds(1);
    expect(await job(a.id)).toMatchObject({
      state: 'failed',
      result: null,
      error: { code: 'unavailable', message: 'blob store unreachable' },
      progress: { done: 3 },
    });
    expect((await job(b.id)).error).toEqual({
      code: 'internal_error',
      message: 'the job failed on an unexpected error; the server log has its details',
    });
  });

  it('lets another instance take over a job whose holder stopped answering, from its last checkpoint', async () => {
    const first = new SteppingJob('scrub', 1000, 100);
    const second = new SteppingJob('scrub', 1000, 100);
    const a = breakable(metadata);
    const queued = await metadata.createJob({ type: 'scrub', dry_run: false, options: {} }, START);
    runner([first], a.store);
    await seconds(0);
    runner([second]);
    await seconds(5.05);
    a.hang();
    expect(await job(queued.id)).toMatchObject({ checkpoint: { next: 50 }, lease: { expires_at: new Date(START.getTime() + 30_000) } });
    await seconds(25);
    expect(second.attempts).toEqual([]);
    await seconds(5);
    expect(second.attempts.map((c) => c.checkpoint)).toEqual([{ next: 50 }]);
    expect(await job(queued.id)).toMatchObject({ state: 'running', started_at: START, progress: { done: 50 } });
    await seconds(95);
    expect(await job(queued.id)).toMatchObject({ state: 'succeeded', result: { from: 50, items: 950 }, progress: { done: 1000 } });
  });

  it('stops a job it can no longer renew once its lease ran out, and another instance finishes it', async () => {
    const a = breakable(metadata);
    const first = new SteppingJob('scrub', 1000, 100, 1_000_000);
    const queued = await metadata.createJob({ type: 'scrub', dry_run: false, options: {} }, START);
    runner([first], a.store);
    await seconds(0);
    const second = new SteppingJob('scrub', 10, 100);
    runner([second]);
    await seconds(1);
    a.fail();
    await seconds(28.9);
    expect(first.attempts[0].signal.aborted).toBe(false);
    await seconds(0.2);
    expect(first.attempts[0].signal.reason).toEqual(new JobStopped('lease_lost'));
    expect(second.attempts).toEqual([]);
    await seconds(5);
    expect(second.attempts).toHaveLength(1);
    await seconds(1);
    expect(await job(queued.id)).toMatchObject({ state: 'succeeded', result: { from: 0, items: 10 } });
  });

  it('gives its jobs back to the queue at shutdown, with their checkpoints, for the next instance to go on with', async () => {
    const first = new SteppingJob('scrub', 100, 100);
    const queued = await metadata.createJob({ type: 'scrub', dry_run: false, options: {} }, START);
    const sut = runner([first]);
    await seconds(2.55);
    const stopping = sut.stop();
    await seconds(0.05);
    await stopping;
    expect(first.attempts[0].signal.reason).toEqual(new JobStopped('shutdown'));
    const released: JobRecord = await job(queued.id);
    // The item under way (the 26th) was finished; the checkpoint is the last one saved.
    expect(released).toMatchObject({ state: 'queued', lease: null, started_at: START, checkpoint: { next: 20 }, progress: { done: 26 } });
    await seconds(60);
    expect((await job(queued.id)).state).toBe('queued');

    const second = new SteppingJob('scrub', 100, 100);
    runner([second]);
    await seconds(8);
    expect(second.attempts.map((c) => c.checkpoint)).toEqual([{ next: 20 }]);
    expect(await job(queued.id)).toMatchObject({ state: 'succeeded', started_at: START, result: { from: 20, items: 80 } });
  });
});

import type { JobRecord, JobStore, NewJob } from '../job-store';
import type { StoreFactory } from './contract-fixtures';
import { at, useFreshStore } from './contract-fixtures';

const LEASE = 30_000;

function job(type: string, extra: Partial<NewJob> = {}): NewJob {
  return { type, dry_run: false, options: {}, ...extra };
}

/** The behaviour every `JobStore` adapter must show. */
export function describeJobStoreContract(name: string, factory: StoreFactory<JobStore>): void {
  describe(`JobStore contract: ${name}`, () => {
    const ctx = useFreshStore(factory);
    const claim = (owner: string, seconds: number, types = ['prune', 'gc', 'scrub']) =>
      ctx.sut.claimJob({ types, owner, now: at(seconds), leaseMs: LEASE });

    it('queues a job with its options, and reads it back by id', async () => {
      const created = await ctx.sut.createJob(job('scrub', { dry_run: true, options: { max_bytes_per_second: 1000 } }), at(1));
      expect(created).toEqual({
        id: expect.any(String),
        type: 'scrub',
        state: 'queued',
        dry_run: true,
        options: { max_bytes_per_second: 1000 },
        progress: { done: 0, total: null, bytes: 0 },
        result: null,
        error: null,
        checkpoint: null,
        created_at: at(1),
        started_at: null,
        ended_at: null,
        cancel_requested: false,
        lease: null,
      });
      expect(await ctx.sut.getJob(created.id)).toEqual(created);
      for (const unknown of ['999999', 'ffffffffffffffffffffffff', 'not-an-id', '']) expect(await ctx.sut.getJob(unknown)).toBeNull();
    });

    it('refuses a second active job of a type, naming the active one; other types and ended jobs do not count', async () => {
      const first = await ctx.sut.createJob(job('gc'), at(1));
      await expect(ctx.sut.createJob(job('gc', { dry_run: true }), at(2))).rejects.toMatchObject({
        name: 'HoardError',
        code: 'conflict',
        details: { job_id: first.id },
      });
      const other = await ctx.sut.createJob(job('prune'), at(3));
      expect(other.state).toBe('queued');
      const running = (await claim('a', 4, ['gc']))!;
      await expect(ctx.sut.createJob(job('gc'), at(5))).rejects.toMatchObject({ code: 'conflict', details: { job_id: running.id } });
      expect(await ctx.sut.finishJob(running.id, 'a', { state: 'succeeded', result: {}, now: at(6) })).toBe(true);
      const again = await ctx.sut.createJob(job('gc'), at(7));
      expect(again.id).not.toBe(first.id);
      expect((await ctx.sut.listJobs({ type: 'gc', limit: 10 })).items.map((j) => j.id)).toEqual([again.id, first.id]);
    });

    it('lets one of several concurrent requests for a type queue it; the others are told which one', async () => {
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => ctx.sut.createJob(job('scrub'), at(i))));
      const created = outcomes.filter((o): o is PromiseFulfilledResult<JobRecord> => o.status === 'fulfilled');
      expect(created).toHaveLength(1);
      for (const o of outcomes.filter((o) => o.status === 'rejected')) {
        expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict', details: { job_id: created[0].value.id } });
      }
      expect((await ctx.sut.listJobs({ limit: 100 })).items).toHaveLength(1);
    });

    it('claims the oldest queued job of the types asked for, leasing it and recording its start', async () => {
      const prune = await ctx.sut.createJob(job('prune'), at(1));
      const scrub = await ctx.sut.createJob(job('scrub'), at(2));
      expect(await claim('a', 3, ['gc'])).toBeNull();
      expect(await claim('a', 3, [])).toBeNull();
      const taken = await claim('a', 3, ['scrub', 'prune']);
      expect(taken).toEqual({ ...prune, state: 'running', started_at: at(3), lease: { owner: 'a', expires_at: at(33) } });
      expect(await ctx.sut.getJob(prune.id)).toEqual(taken);
      expect((await claim('b', 4, ['prune', 'scrub']))!.id).toBe(scrub.id);
      expect(await claim('c', 5)).toBeNull();
    });

    it('lets another owner take a running job once its lease ran out, keeping its first start and checkpoint', async () => {
      const created = await ctx.sut.createJob(job('scrub'), at(1));
      await claim('a', 2);
      expect(await ctx.sut.updateJob(created.id, 'a', { progress: { done: 5, total: 10, bytes: 50 }, checkpoint: { after: 'k5' } })).toBe(
        true,
      );
      expect(await claim('b', 31)).toBeNull();
      const taken = await claim('b', 33);
      expect(taken).toMatchObject({
        id: created.id,
        state: 'running',
        started_at: at(2),
        lease: { owner: 'b', expires_at: at(63) },
        progress: { done: 5, total: 10, bytes: 50 },
        checkpoint: { after: 'k5' },
      });
      // The first owner has lost it: nothing it writes lands.
      expect(await ctx.sut.renewLease(created.id, 'a', at(34), LEASE)).toBeNull();
      expect(await ctx.sut.updateJob(created.id, 'a', { checkpoint: { after: 'k9' } })).toBe(false);
      expect(await ctx.sut.finishJob(created.id, 'a', { state: 'failed', error: { code: 'x', message: 'x' }, now: at(34) })).toBe(false);
      expect(await ctx.sut.releaseJob(created.id, 'a')).toBe(false);
      expect(await ctx.sut.getJob(created.id)).toEqual(taken);
    });

    it("renews its owner's lease, which keeps others from claiming the job", async () => {
      const created = await ctx.sut.createJob(job('gc'), at(1));
      await claim('a', 2);
      const renewed = await ctx.sut.renewLease(created.id, 'a', at(25), LEASE);
      expect(renewed).toMatchObject({ id: created.id, state: 'running', lease: { owner: 'a', expires_at: at(55) } });
      expect(await claim('b', 40)).toBeNull();
      expect(await ctx.sut.renewLease(created.id, 'b', at(41), LEASE)).toBeNull();
      expect(await ctx.sut.renewLease('999999', 'a', at(41), LEASE)).toBeNull();
    });

    it('writes progress and checkpoint separately, and keeps values of any shape exactly', async () => {
      const odd = { $where: 1, 'a.b': [1, 'two', null, { deep: true }], ünï: 'ç' };
      const created = await ctx.sut.createJob(job('prune', { options: odd }), at(1));
      expect(created.options).toEqual(odd);
      await claim('a', 2);
      expect(await ctx.sut.updateJob(created.id, 'a', { checkpoint: odd })).toBe(true);
      expect(await ctx.sut.updateJob(created.id, 'a', { progress: { done: 3, total: null, bytes: 0 } })).toBe(true);
      expect(await ctx.sut.updateJob(created.id, 'a', {})).toBe(true);
      expect(await ctx.sut.getJob(created.id)).toMatchObject({
        options: odd,
        checkpoint: odd,
        progress: { done: 3, total: null, bytes: 0 },
      });
      const end = { state: 'succeeded' as const, result: odd, now: at(3) };
      expect(await ctx.sut.finishJob(created.id, 'a', end, { progress: { done: 4, total: 4, bytes: 9 } })).toBe(true);
      expect(await ctx.sut.getJob(created.id)).toMatchObject({ result: odd, progress: { done: 4, total: 4, bytes: 9 } });
    });

    it('ends a job with its result or its error, releasing the lease', async () => {
      const ok = await ctx.sut.createJob(job('prune'), at(1));
      await claim('a', 2);
      expect(await ctx.sut.finishJob(ok.id, 'a', { state: 'succeeded', result: { records_removed: 3 }, now: at(4) })).toBe(true);
      expect(await ctx.sut.getJob(ok.id)).toMatchObject({
        state: 'succeeded',
        result: { records_removed: 3 },
        error: null,
        ended_at: at(4),
        lease: null,
      });
      expect(await ctx.sut.renewLease(ok.id, 'a', at(5), LEASE)).toBeNull();

      const bad = await ctx.sut.createJob(job('prune'), at(6));
      await claim('a', 7);
      const error = { code: 'unavailable', message: 'the store went away' };
      expect(await ctx.sut.finishJob(bad.id, 'a', { state: 'failed', error, now: at(8) })).toBe(true);
      expect(await ctx.sut.getJob(bad.id)).toMatchObject({ state: 'failed', result: null, error, ended_at: at(8), lease: null });
      expect(await claim('b', 100)).toBeNull();
    });

    it('gives a job back to the queue with its progress and checkpoint, to be claimed again', async () => {
      const created = await ctx.sut.createJob(job('scrub'), at(1));
      await claim('a', 2);
      expect(await ctx.sut.releaseJob(created.id, 'a', { progress: { done: 7, total: 9, bytes: 70 }, checkpoint: 'k7' })).toBe(true);
      const released = await ctx.sut.getJob(created.id);
      expect(released).toMatchObject({ state: 'queued', lease: null, started_at: at(2), checkpoint: 'k7', progress: { done: 7 } });
      await expect(ctx.sut.createJob(job('scrub'), at(3))).rejects.toMatchObject({ code: 'conflict' });
      expect(await claim('b', 4)).toMatchObject({ id: created.id, state: 'running', started_at: at(2), checkpoint: 'k7' });
    });

    it('cancels a queued job at once, asks a running one to stop, and leaves an ended one as it was', async () => {
      const queued = await ctx.sut.createJob(job('gc'), at(1));
      const cancelled = await ctx.sut.cancelJob(queued.id, at(2));
      expect(cancelled).toEqual({
        wasFinal: false,
        job: { ...queued, state: 'cancelled', cancel_requested: true, ended_at: at(2) },
      });
      expect(await claim('a', 3)).toBeNull();
      expect((await ctx.sut.createJob(job('gc'), at(4))).state).toBe('queued');

      const running = (await claim('a', 5))!;
      const asked = await ctx.sut.cancelJob(running.id, at(6));
      expect(asked).toEqual({ wasFinal: false, job: { ...running, cancel_requested: true } });
      expect(await ctx.sut.renewLease(running.id, 'a', at(7), LEASE)).toMatchObject({ state: 'running', cancel_requested: true });
      expect(await ctx.sut.finishJob(running.id, 'a', { state: 'cancelled', result: { n: 1 }, now: at(8) })).toBe(true);
      const ended = (await ctx.sut.getJob(running.id))!;
      expect(await ctx.sut.cancelJob(running.id, at(9))).toEqual({ wasFinal: true, job: ended });
      expect(await ctx.sut.cancelJob(cancelled!.job.id, at(9))).toEqual({ wasFinal: true, job: cancelled!.job });
      expect(await ctx.sut.cancelJob('999999', at(9))).toBeNull();
      expect(await ctx.sut.cancelJob('nope', at(9))).toBeNull();
    });

    it('lists newest first, by type and state, page by page without repeats', async () => {
      const made: JobRecord[] = [];
      for (let i = 0; i < 7; i++) {
        const type = ['prune', 'gc', 'scrub'][i % 3];
        const created = await ctx.sut.createJob(job(type), at(i));
        const held = (await claim('a', i, [type]))!;
        await ctx.sut.finishJob(held.id, 'a', { state: i % 2 === 0 ? 'succeeded' : 'failed', now: at(i) });
        made.push(created);
      }
      const newest = made.map((j) => j.id).reverse();
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await ctx.sut.listJobs({ limit: 3, cursor });
        seen.push(...page.items.map((j) => j.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(newest);
      const prunes = await ctx.sut.listJobs({ type: 'prune', limit: 10 });
      expect(prunes.items.map((j) => j.id)).toEqual([made[6].id, made[3].id, made[0].id]);
      const failed = await ctx.sut.listJobs({ state: 'failed', limit: 10 });
      expect(failed.items.map((j) => j.id)).toEqual([made[5].id, made[3].id, made[1].id]);
      const both = await ctx.sut.listJobs({ type: 'prune', state: 'failed', limit: 1 });
      expect(both).toEqual({ items: [expect.objectContaining({ id: made[3].id })], nextCursor: null });
      expect(await ctx.sut.listJobs({ type: 'gc', state: 'queued', limit: 10 })).toEqual({ items: [], nextCursor: null });
      await expect(ctx.sut.listJobs({ limit: 3, cursor: 'bm90LWFuLWlk' })).rejects.toMatchObject({ code: 'invalid_request' });
    });
  });
}

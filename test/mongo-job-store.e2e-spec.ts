import type { JobRecord } from '@app/metadata';
import { MongoMetadataStore } from '@app/metadata/mongodb';
import type { RunningFerretDb } from './support/test-servers';
import { describeOnFerretDb, dropDatabase } from './support/backing-suites';

describeOnFerretDb('jobs shared by instances on FerretDB', 'the MongoDB job suites', (server) => {
  let ferret: RunningFerretDb;
  let databases = 0;
  let name: string;
  let a: MongoMetadataStore;
  let b: MongoMetadataStore;

  beforeAll(() => {
    ferret = server();
  });

  /** Two instances' connections to one fresh database. */
  beforeEach(async () => {
    name = `hoard_jobs_${process.pid}_${++databases}`;
    a = new MongoMetadataStore({ uri: ferret.uri, db: name });
    b = new MongoMetadataStore({ uri: ferret.uri, db: name });
    await Promise.all([a.init(), b.init()]);
  });

  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
    await dropDatabase(ferret.uri, name);
  });

  const now = () => new Date();

  it('lets one of many requests on two instances queue a job of a type; every other is told which one', async () => {
    const tries = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).createJob({ type: 'gc', dry_run: false, options: {} }, now()));
    const outcomes = await Promise.allSettled(tries);
    const created = outcomes.filter((o): o is PromiseFulfilledResult<JobRecord> => o.status === 'fulfilled').map((o) => o.value);
    expect(created).toHaveLength(1);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason);
    expect(refused).toHaveLength(19);
    for (const reason of refused) expect(reason).toMatchObject({ code: 'conflict', details: { job_id: created[0].id } });
    expect((await b.listJobs({ limit: 100 })).items.map((j) => j.id)).toEqual([created[0].id]);
  });

  it('gives a queued job to exactly one of many claims from two instances', async () => {
    const job = await a.createJob({ type: 'scrub', dry_run: false, options: {} }, now());
    const claims = Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? a : b).claimJob({ types: ['scrub'], owner: `owner-${i}`, now: now(), leaseMs: 60_000 }),
    );
    const taken = (await Promise.all(claims)).filter((j): j is JobRecord => j !== null);
    expect(taken).toHaveLength(1);
    expect(await b.getJob(job.id)).toMatchObject({ state: 'running', lease: { owner: taken[0].lease!.owner } });
  });

  it('lets the second instance take a job over once the first one stopped renewing it; the first can then write nothing', async () => {
    const job = await a.createJob({ type: 'scrub', dry_run: false, options: {} }, now());
    const start = now();
    await a.claimJob({ types: ['scrub'], owner: 'a', now: start, leaseMs: 1000 });
    await a.updateJob(job.id, 'a', { checkpoint: { next: 'k' } });
    expect(await b.claimJob({ types: ['scrub'], owner: 'b', now: new Date(start.getTime() + 999), leaseMs: 1000 })).toBeNull();
    const taken = await b.claimJob({ types: ['scrub'], owner: 'b', now: new Date(start.getTime() + 1001), leaseMs: 1000 });
    expect(taken).toMatchObject({ id: job.id, checkpoint: { next: 'k' }, started_at: start, lease: { owner: 'b' } });
    expect(await a.renewLease(job.id, 'a', now(), 1000)).toBeNull();
    expect(await a.finishJob(job.id, 'a', { state: 'succeeded', result: {}, now: now() })).toBe(false);
    expect(await b.finishJob(job.id, 'b', { state: 'succeeded', result: { ok: 1 }, now: now() })).toBe(true);
    expect(await a.getJob(job.id)).toMatchObject({ state: 'succeeded', result: { ok: 1 }, lease: null });
  });
});

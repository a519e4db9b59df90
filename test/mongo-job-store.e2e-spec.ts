import type { JobRecord } from '@app/metadata';
import { MongoMetadataStore } from '@app/metadata/mongodb';
import type { RunningFerretDb } from './support/test-servers';
import { describeOnFerretDb, dropDatabase } from './support/backing-suites';
import { expectStatus, Http, sha256 } from './support/http';
import { RunningServer, startServer } from './support/server';

/** Polls `read` until `check` holds, or fails after `ms`. */
async function until<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

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

  describe('two server instances', () => {
    let servers: RunningServer[] = [];
    /** An instance on the shared database: short leases, so that a dead holder's job is taken over within seconds. */
    async function instance(db: string): Promise<{ server: RunningServer; http: Http }> {
      const env = {
        HOARD_METADATA: 'mongodb',
        MONGODB_URI: ferret.uri,
        MONGODB_DB: db,
        HOARD_JOB_LEASE_SECONDS: '3',
        HOARD_JOB_RENEW_SECONDS: '1',
        HOARD_JOB_POLL_SECONDS: '0.5',
        HOARD_LOG_LEVEL: 'info',
      };
      const server = await startServer({ env });
      servers.push(server);
      return { server, http: new Http(server.url, server.adminKey) };
    }

    afterEach(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      servers = [];
    });

    it('queue one of two jobs of a type asked for at once: one 202, one 409 naming it', async () => {
      const [a, b] = await Promise.all([instance(name), instance(name)]);
      // Ten versions at one a second keep the job active long after both requests were answered.
      const files = Array.from({ length: 10 }, (_, i) => ({ hostname: 'h', filepath: `/f${i}`, sha256: sha256(`f${i}`), size: 2 }));
      expectStatus(await a.http.post('/api/v1/files/batch', { files }), 200);
      expectStatus(await a.http.call('PUT', '/api/v1/retention', { json: { rules: [{ hostname: '*', keep_last: 1 }] } }), 200);
      const job = { type: 'prune', dry_run: true, max_records_per_second: 1 };
      const [ra, rb] = await Promise.all([a.http.post('/api/v1/jobs', job), b.http.post('/api/v1/jobs', job)]);
      const [accepted, refused] = ra.status === 202 ? [ra, rb] : [rb, ra];
      expect([accepted.status, refused.status]).toEqual([202, 409]);
      expect(refused.json().error).toMatchObject({ code: 'conflict', details: { job_id: accepted.json().id } });
      expectStatus(await b.http.delete(`/api/v1/jobs/${accepted.json().id}`), 202);
      const ended = await until(
        'the cancelled prune',
        async () => (await a.http.get(`/api/v1/jobs/${accepted.json().id}`)).json(),
        (j) => j.state === 'cancelled',
      );
      expect(ended).toMatchObject({ cancel_requested: true, result: null });
    });

    it('take over a job whose holder was killed (kill -9) once its lease ran out, from its checkpoint', async () => {
      const a = await instance(name);
      const files = Array.from({ length: 600 }, (_, i) => ({ hostname: 'h', filepath: `/f${String(i).padStart(3, '0')}`, size: 1 }));
      for (const v of [1, 2]) {
        const batch = files.map((f) => ({ ...f, sha256: sha256(`${f.filepath}:${v}`) }));
        expectStatus(await a.http.post('/api/v1/files/batch', { files: batch }), 200);
      }
      expectStatus(await a.http.call('PUT', '/api/v1/retention', { json: { rules: [{ hostname: '*', keep_last: 1 }] } }), 200);
      // The first batch of 1,000 versions goes at once; then the pace holds the job for a minute before the rest.
      const created = (await a.http.post('/api/v1/jobs', { type: 'prune', dry_run: true, max_records_per_second: 16 })).json();
      const held = await until(
        'the first batch',
        async () => (await a.http.get(`/api/v1/jobs/${created.id}`)).json(),
        (j) => j.progress.done >= 1000,
      );
      expect(held).toMatchObject({ state: 'running', progress: { done: 1000, total: 1200 } });
      const b = await instance(name);
      await a.server.kill();
      expect((await b.http.get(`/api/v1/jobs/${created.id}`)).json()).toMatchObject({ state: 'running', progress: { done: 1000 } });
      const seen: number[] = [];
      const done = await until(
        'the prune taken over',
        async () => (await b.http.get(`/api/v1/jobs/${created.id}`)).json(),
        (j) => {
          seen.push(j.progress.done);
          return j.state === 'succeeded';
        },
      );
      // Resumed after the 500 paths of the checkpoint, not from the start: the count never went back.
      expect(seen.every((n) => n >= 1000)).toBe(true);
      expect(done).toMatchObject({
        started_at: held.started_at,
        result: { records_removed: 600, paths_affected: 600 },
        progress: { done: 1200 },
      });
      servers = servers.filter((s) => s !== a.server);
      // The log is written out in full once the process ends.
      await b.server.stop();
      expect(b.server.output()).toContain(`job ${created.id} (prune, dry run) started from its checkpoint`);
    });
  });
});

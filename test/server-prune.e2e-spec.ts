import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliHome, runCli, spawnCli } from './support/cli';
import { expectStatus, Http, sha256 } from './support/http';
import { RunningServer, startServer, tempDir } from './support/server';

/** Polls `check` until it holds, or fails after `ms`. */
async function until<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Jobs queued elsewhere are seen within 0.2 s; the runner's notes (at info) are in the output. */
const SERVER_ENV = { HOARD_JOB_POLL_SECONDS: '0.2', HOARD_LOG_LEVEL: 'info' };

const RULES = {
  rules: [
    { hostname: '*', path_prefix: '', keep_last: 2 },
    { hostname: 'web', path_prefix: '/tmp', keep_deleted_days: 0 },
    { hostname: 'web', path_prefix: '/keep', keep_within_days: 30 },
    { hostname: 'db', keep_last: 1 },
  ],
};

describe('retention and prune on a server, through the CLI', () => {
  let server: RunningServer;
  let admin: Http;
  let env: Record<string, string>;
  const dir = tempDir('hoard-prune-');

  beforeAll(async () => {
    server = await startServer({ env: SERVER_ENV });
    admin = new Http(server.url, server.adminKey);
    env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey };
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** Records `count` versions of a path, one request each (each a new version). */
  async function versions(hostname: string, filepath: string, count: number) {
    for (let v = 1; v <= count; v++) {
      const content = `${hostname}:${filepath}:${v}`;
      const file = { hostname, filepath, sha256: sha256(content), size: content.length };
      expectStatus(await admin.post('/api/v1/files/batch', { files: [file] }), 200);
    }
  }
  /** The versions a path has, newest first (none: the history route answers 404). */
  async function history(hostname: string, filepath: string): Promise<number[]> {
    const res = await admin.get('/api/v1/files/history', { query: { hostname, filepath } });
    return res.status === 404 ? [] : res.json().items.map((f: { version: number }) => f.version);
  }
  const histories = async () => ({
    conf: await history('web', '/etc/app.conf'),
    log: await history('web', '/var/log/a.log'),
    gone: await history('web', '/tmp/gone'),
    keep: await history('web', '/keep/me'),
    data: await history('db', '/data'),
  });

  it('sets the rules, counts in a dry run, then removes exactly what no rule keeps', async () => {
    await versions('web', '/etc/app.conf', 4);
    await versions('web', '/var/log/a.log', 3);
    await versions('web', '/tmp/gone', 2);
    expectStatus(await admin.post('/api/v1/files/deleted', { hostname: 'web', filepaths: ['/tmp/gone'] }), 200);
    await versions('web', '/keep/me', 3);
    await versions('db', '/data', 3);
    const all = { conf: [4, 3, 2, 1], log: [3, 2, 1], gone: [2, 1], keep: [3, 2, 1], data: [3, 2, 1] };
    expect(await histories()).toEqual(all);

    const file = join(dir, 'rules.json');
    writeFileSync(file, JSON.stringify(RULES));
    const set = await runCli(['admin', 'retention', 'set', file, '--json'], env);
    expect([set.code, set.stderr]).toEqual([0, '4 retention rules set.\n']);
    expect(JSON.parse(set.stdout).rules[3]).toEqual({
      hostname: 'db',
      path_prefix: '',
      keep_last: 1,
      keep_within_days: null,
      keep_deleted_days: null,
    });
    const got = await runCli(['admin', 'retention', 'get'], env);
    expect([got.code, JSON.parse(got.stdout)]).toEqual([0, JSON.parse(set.stdout)]);

    const dry = await runCli(['admin', 'prune', '--dry-run', '--wait', '--json'], env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      type: 'prune',
      state: 'succeeded',
      dry_run: true,
      result: { records_removed: 7, paths_affected: 4 },
      progress: { done: 15, total: 15 },
    });
    expect(await histories()).toEqual(all);

    const real = await runCli(['admin', 'prune', '--wait'], env);
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/^prune job \d+ succeeded: records_removed 7, paths_affected 4\n$/);
    expect(await histories()).toEqual({ conf: [4, 3], log: [3, 2], gone: [], keep: [3, 2, 1], data: [3] });
    const live = (await admin.get('/api/v1/files', { query: { limit: 100 } })).json().items;
    expect(live.map((f: { filepath: string; version: number }) => `${f.filepath}@${f.version}`).sort()).toEqual(
      ['/data@3', '/etc/app.conf@4', '/keep/me@3', '/var/log/a.log@3'].sort(),
    );

    const jobs = await runCli(['admin', 'jobs', '--json'], env);
    const listed = jobs.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(listed.map((j) => [j.type, j.state, j.dry_run])).toEqual([
      ['prune', 'succeeded', false],
      ['prune', 'succeeded', true],
    ]);
    const table = await runCli(['admin', 'jobs', '--type', 'prune'], env);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +TYPE +STATE +DRY RUN +PROGRESS +CREATED +ENDED +OUTCOME$/);
    expect(table.stdout).toContain('records_removed 7, paths_affected 4');
    expect((await runCli(['admin', 'jobs', '--type', 'gc'], env)).stdout.trim().split('\n')).toHaveLength(1);
  });

  it('refuses bad rules, one line each and exit 2, changing nothing; runs every job type of the API', async () => {
    const before = (await admin.get('/api/v1/retention')).json();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ hostname: '*', keep_last: -3 }]));
    const refused = await runCli(['admin', 'retention', 'set', bad], env);
    expect([refused.code, refused.stdout, refused.stderr]).toEqual([2, '', 'hoard: rules.0.keep_last must be at least 0\n']);
    writeFileSync(bad, '{"rules": {}}');
    expect((await runCli(['admin', 'retention', 'set', bad], env)).stderr).toBe(
      `hoard: ${bad} must hold {"rules": [...]} or a list of rules\n`,
    );
    expect((await admin.get('/api/v1/retention')).json()).toEqual(before);
    // Everything here is younger than GC's grace of a day: nothing to remove.
    const gc = await runCli(['admin', 'gc', '--dry-run', '--wait'], env);
    expect([gc.code, gc.stdout.replace(/job \S+/, 'job <id>')]).toEqual([
      0,
      'gc job <id> succeeded (dry run): blobs_removed 0, bytes_freed 0, orphans_adopted 0, packs_rewritten 0\n',
    ]);
  });

  it('answers a second prune while one runs with the running one, and a waiting CLI exits 1 when it is cancelled', async () => {
    await versions('web', '/slow', 3);
    const waiting = spawnCli(['admin', 'prune', '--dry-run', '--wait', '--max-records-per-second', '1'], env);
    const running = await until(
      'the slow prune',
      async () => (await admin.get('/api/v1/jobs', { query: { type: 'prune', state: 'running' } })).json().items,
      (items) => items.length === 1,
    );
    const second = await runCli(['admin', 'prune'], env);
    expect([second.code, second.stderr]).toEqual([
      2,
      `hoard: a prune job is already queued or running (job ${running[0].id}); "hoard admin jobs" shows it\n`,
    ]);
    expectStatus(await admin.delete(`/api/v1/jobs/${running[0].id}`), 202);
    const ended = await waiting.done;
    expect(ended.code).toBe(1);
    expect(ended.stdout).toBe(`prune job ${running[0].id} cancelled (dry run)\n`);
    expect((await admin.get(`/api/v1/jobs/${running[0].id}`)).json()).toMatchObject({ state: 'cancelled', cancel_requested: true });
  });

  it('gives a running job back to the queue when the server stops, and goes on from its checkpoint after the restart', async () => {
    const files = Array.from({ length: 700 }, (_, i) => ({ hostname: 'bulk', filepath: `/f${i}`, size: 1 }));
    for (const v of [1, 2]) {
      const batch = files.map((f) => ({ ...f, sha256: sha256(`${f.filepath}:${v}`) }));
      expectStatus(await admin.post('/api/v1/files/batch', { files: batch }), 200);
    }
    const created = (await admin.post('/api/v1/jobs', { type: 'prune', dry_run: true, max_records_per_second: 100 })).json();
    await until(
      'the first batch',
      async () => (await admin.get(`/api/v1/jobs/${created.id}`)).json(),
      (job) => job.progress.done >= 1000,
    );
    expect(await server.stop()).toBe(0);
    expect(server.output()).toContain(`job ${created.id} (prune): back in the queue, to go on from its checkpoint`);
    server = await startServer({ dataDir: server.dataDir, env: SERVER_ENV });
    admin = new Http(server.url, server.adminKey);
    const done = await until(
      'the resumed prune',
      async () => (await admin.get(`/api/v1/jobs/${created.id}`)).json(),
      (job) => job.state === 'succeeded',
    );
    expect(server.output()).toContain(`job ${created.id} (prune, dry run) started from its checkpoint`);
    // 1,400 versions of the bulk paths (two each: keep_last 2 keeps both), 8 left by the first prune, and /slow's 3,
    // of which the dry run would remove 1.
    expect(done).toMatchObject({ result: { records_removed: 1, paths_affected: 1 }, progress: { done: 1411, total: 1411 } });
  });
});

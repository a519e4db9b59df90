import { HoardError } from '@app/contracts';
import { type RetentionRule, SqliteMetadataStore } from '@app/metadata';
import { digest } from '@app/metadata/testing/contract-fixtures';
import type { JobContext } from './job-handler';
import { PRUNE_BATCH, PruneJob } from './prune.job';

const DAY = 86_400_000;

function rule(hostname: string, path_prefix: string, extra: Partial<RetentionRule> = {}): RetentionRule {
  return { hostname, path_prefix, keep_last: null, keep_within_days: null, keep_deleted_days: null, ...extra };
}

describe('PruneJob', () => {
  let metadata: SqliteMetadataStore;
  let sut: PruneJob;
  let saved: unknown[];
  let reported: Array<Record<string, number | undefined>>;

  beforeEach(async () => {
    metadata = new SqliteMetadataStore({ path: ':memory:' });
    await metadata.init();
    sut = new PruneJob(metadata, metadata);
    saved = [];
    reported = [];
  });

  afterEach(() => metadata.close());

  function context(extra: Partial<JobContext> = {}): JobContext {
    return {
      jobId: '1',
      dryRun: false,
      options: {},
      signal: new AbortController().signal,
      checkpoint: null,
      progress: (p) => reported.push({ ...p }),
      saveCheckpoint: async (value) => void saved.push(value),
      ...extra,
    };
  }

  /** Records a version of `path` on `host` first seen `daysAgo` days ago. */
  const record = (host: string, path: string, content: string, daysAgo: number) =>
    metadata.recordFiles(
      [{ hostname: host, filepath: path, sha256: digest(content), size: content.length }],
      new Date(Date.now() - daysAgo * DAY),
    );
  const versions = async (host: string, path: string) => (await metadata.fileHistory(host, path)).map((f) => f.version);

  /** web: /etc/app.conf (5 versions), /var/log/x.log (4), /old (2, deleted 40 days ago), /recent (1, deleted 2 days ago); db: /data (3). */
  async function seed() {
    for (let v = 1; v <= 5; v++) await record('web', '/etc/app.conf', `conf${v}`, 100 - v * 10);
    for (let v = 1; v <= 4; v++) await record('web', '/var/log/x.log', `log${v}`, 50 - v * 10);
    await record('web', '/old', 'old1', 90);
    await record('web', '/old', 'old2', 80);
    await metadata.markPathsDeleted('web', ['/old'], new Date(Date.now() - 40 * DAY));
    await record('web', '/recent', 'recent1', 9);
    await metadata.markPathsDeleted('web', ['/recent'], new Date(Date.now() - 2 * DAY));
    for (let v = 1; v <= 3; v++) await record('db', '/data', `data${v}`, 10 - v);
  }

  const RULES = [
    rule('*', '', { keep_last: 2, keep_deleted_days: 30 }),
    rule('web', '/var/log', { keep_within_days: 25 }),
    rule('db', '', { keep_deleted_days: 1 }),
  ];

  it('keeps everything when there is no rule', async () => {
    await seed();
    expect(await sut.run(context())).toEqual({ records_removed: 0, paths_affected: 0 });
    expect(await metadata.countVersions()).toBe(15);
  });

  it('removes the versions no rule keeps and the deleted paths past keep_deleted_days; a dry run only counts them', async () => {
    await seed();
    await metadata.setRetentionRules(RULES);
    expect(await sut.run(context({ dryRun: true }))).toEqual({ records_removed: 6, paths_affected: 3 });
    expect(await metadata.countVersions()).toBe(15);

    expect(await sut.run(context())).toEqual({ records_removed: 6, paths_affected: 3 });
    expect(await versions('web', '/etc/app.conf')).toEqual([5, 4]);
    // x.log v2 was replaced 20 days ago (within 25 days); v1 30 days ago.
    expect(await versions('web', '/var/log/x.log')).toEqual([4, 3, 2]);
    expect(await versions('web', '/old')).toEqual([]);
    expect(await versions('web', '/recent')).toEqual([1]);
    expect(await versions('db', '/data')).toEqual([3, 2, 1]);
    expect(reported[reported.length - 1]).toEqual({ done: 15 });
    expect(reported[2]).toEqual({ done: 0, total: 15 });
    expect(await metadata.countVersions()).toBe(9);
    expect(await sut.run(context())).toEqual({ records_removed: 0, paths_affected: 0 });
  });

  it('goes batch by batch, saving where it stopped, and a later attempt goes on from there with the counts so far', async () => {
    const paths = Math.ceil((PRUNE_BATCH * 2.2) / 2);
    for (let v = 1; v <= 2; v++) {
      const files = Array.from({ length: paths }, (_, i) => ({
        hostname: 'h',
        filepath: `/f${String(i).padStart(5, '0')}`,
        sha256: digest(`${i}.${v}`),
        size: 1,
      }));
      await metadata.recordFiles(files, new Date(Date.now() - (3 - v) * DAY));
    }
    await metadata.setRetentionRules([rule('*', '', { keep_last: 1 })]);
    const controller = new AbortController();
    const first = sut.run(
      context({
        signal: controller.signal,
        saveCheckpoint: async (value) => {
          saved.push(value);
          controller.abort(new HoardError('unavailable', 'stopped'));
        },
      }),
    );
    await expect(first).rejects.toMatchObject({ message: 'stopped' });
    expect(saved).toEqual([
      { after: { namespace: 'host', hostname: 'h', filepath: '/f00499' }, examined: 1000, records_removed: 500, paths_affected: 500 },
    ]);
    expect(await metadata.countVersions()).toBe(paths * 2 - 500);

    // Taken over by a build that reads the checkpoint, as one written before paths had namespaces (a host's path).
    const { namespace: _namespace, ...unnamespaced } = (saved[0] as { after: Record<string, string> }).after;
    const result = await sut.run(context({ checkpoint: { ...(saved[0] as object), after: unnamespaced } }));
    expect(result).toEqual({ records_removed: paths, paths_affected: paths });
    expect(saved).toHaveLength(3);
    expect(saved[2]).toEqual({
      after: { namespace: 'host', hostname: 'h', filepath: `/f0${paths - 1}` },
      examined: paths * 2,
      records_removed: paths,
      paths_affected: paths,
    });
    expect(await metadata.countVersions()).toBe(paths);
    expect(reported.find((p) => p.total !== undefined && p.done === 1000)).toEqual({ done: 1000, total: paths * 2 });
  });

  it('lets the server answer other requests between its batches, though the embedded store never leaves the event loop', async () => {
    const paths = PRUNE_BATCH + 500;
    for (let v = 1; v <= 2; v++) {
      const files = Array.from({ length: paths }, (_, i) => ({ hostname: 'h', filepath: `/f${i}`, sha256: digest(`${i}.${v}`), size: 1 }));
      await metadata.recordFiles(files, new Date(Date.now() - (3 - v) * DAY));
    }
    await metadata.setRetentionRules([rule('*', '', { keep_last: 1 })]);
    // Another request's turn of the event loop: each runs once the loop is free, and queues the next.
    let turns = 0;
    let over = false;
    const otherRequest = () => {
      if (over) return;
      turns++;
      setImmediate(otherRequest);
    };
    setImmediate(otherRequest);
    expect(await sut.run(context())).toEqual({ records_removed: paths, paths_affected: paths });
    over = true;
    // Three batches of versions, each after a turn of its own.
    expect(turns).toBeGreaterThanOrEqual(3);
  });

  it('paces itself to max_records_per_second, and stops waiting when stopped', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    try {
      const files = Array.from({ length: 1500 }, (_, i) => ({ hostname: 'h', filepath: `/p${i}`, sha256: digest(`${i}`), size: 1 }));
      await metadata.recordFiles(files, new Date());
      await metadata.setRetentionRules([rule('*', '', { keep_last: 1 })]);
      const controller = new AbortController();
      let done = false;
      const running = sut
        .run(context({ options: { max_records_per_second: 500 }, signal: controller.signal }))
        .finally(() => (done = true));
      await jest.advanceTimersByTimeAsync(1900);
      expect([saved.length, done]).toEqual([1, false]);
      await jest.advanceTimersByTimeAsync(200);
      expect(saved).toHaveLength(2);
      controller.abort(new HoardError('unavailable', 'stopped'));
      await expect(running).rejects.toMatchObject({ message: 'stopped' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('takes max_records_per_second as a whole number from 1, and no other option', () => {
    expect(sut.parseOptions({})).toEqual({});
    expect(sut.parseOptions({ max_records_per_second: 200, other: 1 })).toEqual({ max_records_per_second: 200 });
    for (const bad of [0, -1, 1.5, '100', null]) {
      expect(() => sut.parseOptions({ max_records_per_second: bad })).toThrow(
        expect.objectContaining({
          code: 'validation_failed',
          details: {
            fields: [{ field: 'max_records_per_second', errors: ['max_records_per_second must be an integer from 1 to 1000000000'] }],
          },
        }),
      );
    }
  });
});

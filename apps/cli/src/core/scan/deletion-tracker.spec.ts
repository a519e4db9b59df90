import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HoardError } from '@app/contracts';
import { StateCache } from '../../io/state-cache/state-cache';
import { FakeHoardClient } from '../../testing/fake-hoard-client';
import { scanContext, scratch, sha } from '../../testing/scan-fixtures';
import { DeletionTracker } from './deletion-tracker';
import { PathSet } from './path-set';

describe('DeletionTracker', () => {
  let tmp: ReturnType<typeof scratch>;
  let client: FakeHoardClient;
  let cache: StateCache;
  const at = (rel: string) => join(tmp.dir, rel);
  const make = () => {
    const made = scanContext(client, { cache });
    return { ...made, sut: new DeletionTracker(made.ctx) };
  };
  /** Records `rels` on the server (host h, or `hostname`) and in the cache. */
  const recorded = async (rels: string[], hostname = 'h') => {
    const results = await client.recordBatch(rels.map((rel) => ({ hostname, filepath: at(rel), sha256: sha(rel), size: 1 })));
    if (hostname === 'h') {
      const fp = { size: 1n, mtimeNs: 1n, ctimeNs: 1n, dev: 1n };
      cache.putMany(rels.map((rel, i) => ({ path: at(rel), sha256: sha(rel), recordId: results[i].id, ...fp, ino: BigInt(i + 1) })));
    }
    client.calls.length = 0;
  };
  const live = () =>
    client.records
      .filter((r) => r.deleted_at === null)
      .map((r) => r.filepath.slice(tmp.dir.length + 1))
      .sort();

  beforeEach(() => {
    tmp = scratch('hoard-deletions-');
    client = new FakeHoardClient();
    cache = new StateCache(at('.cache'), 'scope');
  });
  afterEach(() => {
    cache.close();
    tmp.remove();
  });

  it('reports the candidates gone from disk in one sorted request, forgets them in the cache, and leaves those still there', async () => {
    await recorded(['b', 'a', 'kept', 'd/x']);
    writeFileSync(at('kept'), 'excluded or in an unreadable place, but there');
    writeFileSync(at('d'), 'a file where the directory was');
    const { sut, ctx, events } = make();
    for (const rel of ['b', 'kept', 'a', 'd/x']) sut.candidate(at(rel));
    await sut.report([]);
    expect(client.calls).toEqual([{ route: 'markDeleted', arg: [at('a'), at('b'), at('d/x')] }]);
    expect(events).toEqual([at('a'), at('b'), at('d/x')].map((path) => ({ event: 'deleted', path })));
    expect([ctx.progress.deleted, live(), cache.dir(tmp.dir)?.names]).toEqual([3, ['kept'], ['kept']]);
  });

  it('reports what vanished during the run without looking again, and asks nothing when nothing is gone', async () => {
    await recorded(['v']);
    writeFileSync(at('v'), 'back again');
    const { sut } = make();
    await sut.report([at('v')]);
    expect(client.calls).toEqual([{ route: 'markDeleted', arg: [at('v')] }]);
    const quiet = make();
    writeFileSync(at('here'), '');
    quiet.sut.candidate(at('here'));
    client.calls.length = 0;
    await quiet.sut.report([]);
    expect(client.calls).toEqual([]);
  });

  it("takes as candidates the server's records of this host at or under the root that the walk did not see", async () => {
    mkdirSync(at('r'));
    await recorded(['r', 'r/seen', 'r/gone', 'r/sub/gone', 'r0/sibling', 'outside']);
    await recorded(['r/other-host'], 'elsewhere');
    const seen = new PathSet();
    seen.add(at('r/seen'));
    writeFileSync(at('r/seen'), '');
    const { sut } = make();
    await sut.fromServer(at('r'), seen);
    await sut.report([]);
    expect(client.calls).toEqual([
      { route: 'iterateFiles', arg: { hostname: 'h', path_prefix: at('r'), limit: 200 } },
      { route: 'markDeleted', arg: [at('r/gone'), at('r/sub/gone')] },
    ]);
  });

  it('takes only paths at or under the root from a listing that matched the prefix as a string', async () => {
    await recorded(['r/gone', 'r0/sibling', 'rx']);
    const every = client.records.slice();
    jest.spyOn(client, 'iterateFiles').mockImplementation(async function* () {
      yield* every;
    });
    const { sut } = make();
    await sut.fromServer(at('r'), new PathSet());
    await sut.report([]);
    expect(client.calls).toEqual([{ route: 'markDeleted', arg: [at('r/gone')] }]);
  });

  it('fails each path when the server does not take the deletions, and keeps them in the cache', async () => {
    await recorded(['a']);
    const { sut, ctx, events } = make();
    client.failNext('markDeleted', new HoardError('internal_error', 'boom'));
    sut.candidate(at('a'));
    await sut.report([]);
    expect(events).toEqual([{ event: 'failed', path: at('a'), reason: 'deletion not recorded: boom' }]);
    expect([ctx.progress.deleted, cache.dir(tmp.dir)?.names]).toEqual([0, ['a']]);
  });
});

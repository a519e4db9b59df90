import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HoardClient } from '@app/client';
import { cliHome, ndjson, runCli, WALKERS } from './support/cli';
import { RunningServer, startServer } from './support/server';
import { removeScratch, scratchDir } from './support/tree';

describe.each(WALKERS)('hoard scan: deletions found from the cached directory listings (%s walker)', (walker) => {
  let server: RunningServer;
  let client: HoardClient;
  let env: Record<string, string>;
  let root: string;
  const host = 'del-host';
  const scan = async (...extra: string[]) => {
    const res = await runCli(['scan', root, '--json', ...extra], env);
    expect(res.code).toBe(0);
    return ndjson(res.stdout);
  };
  const deleted = (events: Array<Record<string, any>>) =>
    events
      .filter((e) => e.event === 'deleted')
      .map((e) => e.path)
      .sort();
  const current = async () => {
    const out: string[] = [];
    for await (const r of client.iterateFiles({ hostname: host })) out.push(r.filepath);
    return out.sort();
  };

  beforeAll(async () => {
    server = await startServer();
    client = new HoardClient({ baseUrl: server.url, apiKey: server.adminKey });
    env = { ...cliHome(walker), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey, HOARD_HOSTNAME: host };
    root = scratchDir('hoard-del-');
    for (const dir of ['a/b/c', 'keep', 'logs', 'moved']) mkdirSync(join(root, dir), { recursive: true });
    for (const f of ['top.txt', 'a/1.txt', 'a/b/2.txt', 'a/b/c/3.txt', 'keep/k.txt', 'logs/x.log', 'logs/y.txt', 'moved/m.txt']) {
      writeFileSync(join(root, f), `content of ${f}\n`);
    }
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    removeScratch();
  });

  it('reports the files of a removed directory tree and a removed file, not excluded or renamed ones', async () => {
    const first = await scan();
    expect(first[first.length - 1]).toMatchObject({ seen: 8, hashed: { files: 8 }, deleted: 0 });
    expect((await scan()).at(-1)).toMatchObject({ unchanged: 8, hashed: { files: 0 }, deleted: 0 });

    rmSync(join(root, 'a/b'), { recursive: true });
    rmSync(join(root, 'top.txt'));
    renameSync(join(root, 'moved'), join(root, 'renamed'));
    const events = await scan('--exclude', 'logs/', '--exclude', 'keep/k.txt');
    expect(deleted(events)).toEqual(['a/b/2.txt', 'a/b/c/3.txt', 'moved/m.txt', 'top.txt'].map((f) => join(root, f)).sort());
    expect(events.at(-1)).toMatchObject({ seen: 2, hashed: { files: 0 }, deleted: 4 });
    expect(await current()).toEqual(
      ['a/1.txt', 'keep/k.txt', 'logs/x.log', 'logs/y.txt', 'renamed/m.txt'].map((f) => join(root, f)).sort(),
    );

    // Nothing is reported twice, and what was excluded is still known (and unchanged) when included again.
    const again = await scan();
    expect(deleted(again)).toEqual([]);
    expect(again.at(-1)).toMatchObject({ seen: 5, unchanged: 5, hashed: { files: 0 }, deleted: 0 });
  });

  it('reports a file gone from a directory that is otherwise unchanged, and a directory replaced by a file', async () => {
    rmSync(join(root, 'logs/y.txt'));
    rmSync(join(root, 'keep'), { recursive: true });
    writeFileSync(join(root, 'keep'), 'now a file\n');
    const events = await scan();
    expect(deleted(events)).toEqual([join(root, 'keep/k.txt'), join(root, 'logs/y.txt')]);
    expect(events.at(-1)).toMatchObject({ seen: 4, unchanged: 3, hashed: { files: 1 }, deleted: 2 });
  });
});

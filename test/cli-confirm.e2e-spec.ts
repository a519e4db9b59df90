import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HoardClient } from '@app/client';
import { cliHome, ndjson, runCli, WALKERS } from './support/cli';
import { LOOSE_BLOBS, RunningServer, startServer } from './support/server';
import { removeScratch, scratchDir, sha256 } from './support/tree';

/** A second scan confirms unchanged files by record id; what the server no longer holds is sent again. */
describe.each(WALKERS)('hoard scan: unchanged files the server lost track of (%s walker)', (walker) => {
  let server: RunningServer;
  let client: HoardClient;
  let env: Record<string, string>;
  let root: string;
  const host = 'confirm-host';
  const scan = () => runCli(['scan', root, '--json', '--hostname', host], env);
  const summaryOf = (stdout: string) => ndjson(stdout).find((e) => e.event === 'summary')!;

  beforeAll(async () => {
    server = await startServer({ env: LOOSE_BLOBS });
    client = new HoardClient({ baseUrl: server.url, apiKey: server.adminKey });
    env = { ...cliHome(walker), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey };
    root = scratchDir('hoard-confirm-');
    mkdirSync(join(root, 'd'));
    writeFileSync(join(root, 'd', 'kept.txt'), 'kept\n');
    writeFileSync(join(root, 'd', 'record-deleted.txt'), 'record deleted on the server\n');
    writeFileSync(join(root, 'd', 'content-gone.txt'), 'content lost by the server\n');
    expect((await scan()).code).toBe(0);
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    removeScratch();
  });

  it('records again a file whose record was deleted, and uploads again content the server lost', async () => {
    const path = (name: string) => join(root, 'd', name);
    const current = async (name: string) => {
      for await (const r of client.iterateFiles({ hostname: host, path_prefix: path(name) })) return r;
      return null;
    };
    const deleted = (await current('record-deleted.txt'))!;
    await client.deleteFile(deleted.id);
    // Its stored copy vanishes from the server's disk; the next read finds it gone and quarantines it.
    const gone = sha256(Buffer.from('content lost by the server\n'));
    rmSync(join(server.dataDir, 'blobs', gone.slice(0, 2), gone));
    await expect(client.headBlob(gone)).rejects.toMatchObject({ code: 'not_found' });

    const res = await scan();
    expect(res.code).toBe(0);
    const summary = summaryOf(res.stdout);
    expect(summary).toMatchObject({ hashed: { files: 0 }, unchanged: 3, new_versions: 1, uploaded: { files: 1 } });
    expect(
      ndjson(res.stdout)
        .filter((e) => e.event === 'uploaded')
        .map((e) => e.path),
    ).toEqual([path('content-gone.txt')]);
    expect(await current('record-deleted.txt')).toMatchObject({ version: 2, deleted_at: null, content_available: true });
    expect(await current('content-gone.txt')).toMatchObject({ version: 1, content_available: true });

    // Everything is confirmed again by id on the next run: no new version, no upload.
    const third = summaryOf((await scan()).stdout);
    expect(third).toMatchObject({ new_versions: 0, uploaded: { files: 0 }, recorded: 3 });
  });
});

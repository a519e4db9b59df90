import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliHome, metricSum, runCli } from './support/cli';
import { RunningServer, startServer, tempDir } from './support/server';
import { expectError, expectStatus, Http, randomContent } from './support/http';
import { scratchDir } from './support/tree';

const MiB = 1 << 20;
const blob = (sha: string) => `/api/v1/blobs/${sha}`;

// The server's blob directory is an 8 MiB tmpfs of its own (a private mount namespace: nothing outside sees it);
// the test looks at it through /proc/<pid>/root.
describe('server: a full blob store', () => {
  let server: RunningServer;
  let admin: Http;
  let blobs: string;

  beforeAll(async () => {
    const dataDir = tempDir();
    blobs = join(dataDir, 'blobs');
    mkdirSync(blobs);
    server = await startServer({
      dataDir,
      env: { HOARD_MIN_FREE_BYTES: String(4 * MiB) },
      wrap: ['unshare', '-m', 'sh', '-c', `mount -t tmpfs -o size=8m hoard-test-full "${blobs}" && exec "$0" "$@"`],
    });
    admin = new Http(server.url, server.adminKey);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A path of the server's blob directory, as the server sees it. */
  const inside = (...parts: string[]) => join(`/proc/${server.proc.pid}/root`, blobs, ...parts);

  it('answers 507 insufficient_storage, keeps nothing of the upload, reports low space, and recovers once space is freed', async () => {
    const first = randomContent(5 * MiB);
    expectStatus(await admin.put(blob(first.sha), first.data), 201);
    const ready = await admin.get('/ready');
    expectError(ready, 503, 'unavailable');
    expect(ready.json().error.message).toBe('Not ready: blobs store low on space');
    expect(ready.json().error.details.checks.blobs).toMatchObject({ status: 'down', min_free_bytes: 4 * MiB });

    const second = randomContent(5 * MiB);
    const refused = await admin.put(blob(second.sha), second.data);
    const error = expectError(refused, 507, 'insufficient_storage', [blobs]);
    expect(error.message).toBe('The blob store is full: nothing was stored; free space before uploading again');
    expect(readdirSync(inside('.tmp'))).toEqual([]);
    expect(existsSync(inside(second.sha.slice(0, 2), second.sha))).toBe(false);
    expect((await admin.post('/api/v1/blobs/missing', { sha256: [second.sha] })).json()).toEqual({ missing: [second.sha] });
    expect(metricSum((await admin.get('/metrics')).text, 'hoard_blob_uploads_total', { result: 'insufficient_storage' })).toBe(1);
    expect(readFileSync(inside(first.sha.slice(0, 2), first.sha)).equals(first.data)).toBe(true);

    expectStatus(await admin.delete(blob(first.sha)), 204);
    expectStatus(await admin.get('/ready'), 200);
    expectStatus(await admin.put(blob(second.sha), second.data), 201);
    const got = await admin.get(blob(second.sha));
    expect(got.body.equals(second.data)).toBe(true);
    expectStatus(await admin.delete(blob(second.sha)), 204);
  });

  it("stops a scan's uploads with one clear line when the store fills up", async () => {
    const root = scratchDir('hoard-full-tree-');
    mkdirSync(join(root, 'd'));
    for (let i = 0; i < 3; i++) writeFileSync(join(root, 'd', `big-${i}.bin`), randomContent(3 * MiB).data);
    const env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey };
    const run = await runCli(['scan', root], env);
    expect(run.code).toBe(2);
    expect(
      run.stderr
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('hoard:')),
    ).toEqual(["hoard: the server's blob store is full: uploads stopped; free space there, then scan again"]);
    expect(readdirSync(inside('.tmp'))).toEqual([]);
  });
});

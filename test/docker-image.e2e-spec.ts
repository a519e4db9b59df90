import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ReplayedImage, replayDockerfile } from './support/dockerfile-replay';
import { freePort, tempDir } from './support/server';
import { expectStatus, Http, randomContent } from './support/http';

const ROOT = join(__dirname, '..');

/** What npm needs to install here: the PATH, a home and cache, the Node headers for node-gyp; nothing of this run. */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'npm_config_nodedir', 'npm_config_cache'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

/** Polls `url` until it answers 2xx, or the process exits, or 30 s passed. */
async function answers(url: string, proc: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && proc.exitCode === null) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('the Docker image, assembled as the Dockerfile says', () => {
  let image: ReplayedImage;
  let work: string;
  let server: ChildProcess | undefined;
  let output = '';

  beforeAll(() => {
    work = tempDir('hoard-image-');
    image = replayDockerfile(ROOT, join(work, 'image'), npmEnv());
  }, 900_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGKILL');
      await new Promise((r) => server!.once('exit', r));
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('is multi-stage, runs as a non-root user, and leaves only system steps out', () => {
    expect(image.stages).toBeGreaterThanOrEqual(2);
    expect(image.user).toBe('node');
    expect(image.skipped.map((s) => s.split(':')[0])).toEqual([
      'apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*',
      'mkdir -p /data && chown node',
    ]);
    expect(image.healthcheck).toContain('/ready');
  });

  it('holds the build and production dependencies only, with @hoard/native built', () => {
    expect(existsSync(join(image.workdir, 'dist', 'apps', 'server', 'src', 'main.js'))).toBe(true);
    expect(existsSync(join(image.workdir, 'apps'))).toBe(false);
    expect(existsSync(join(image.workdir, 'node_modules', 'typescript'))).toBe(false);
    const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(String(require('@hoard/native').available))"], {
      cwd: image.workdir,
      encoding: 'utf8',
    });
    expect({ status: probe.status, stderr: probe.stderr }).toEqual({ status: 0, stderr: '' });
    if (process.env.HOARD_TEST_REQUIRE_NATIVE === '1') expect(probe.stdout).toBe('true');
  });

  it('starts with its ENV and CMD, answers /health and /ready, passes its HEALTHCHECK, stores and serves content', async () => {
    const port = await freePort();
    const adminKey = `hk_image_${randomBytes(24).toString('hex')}`;
    // Only what cannot be the same here: the address (no port 8000, no 0.0.0.0) and the data volume.
    expect(Object.keys(image.env).sort()).toEqual(['HOARD_DATA_DIR', 'HOST', 'NODE_ENV', 'PORT']);
    expect(image.env.NODE_ENV).toBe('production');
    const env = {
      PATH: process.env.PATH,
      ...image.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      HOARD_DATA_DIR: join(work, 'data'),
      HOARD_BOOTSTRAP_ADMIN_KEY: adminKey,
    };
    expect(image.cmd).toEqual(['node', 'dist/apps/server/src/main.js']);
    server = spawn(image.cmd[0], image.cmd.slice(1), { cwd: image.workdir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const url = `http://127.0.0.1:${port}`;
    const up = await answers(`${url}/ready`, server);
    // The output rides along so that a failure shows why the server did not come up.
    expect({ up, output: output.slice(-2000) }).toEqual({ up: true, output: output.slice(-2000) });
    expect(output).not.toContain('Cannot find module');

    const anon = new Http(url);
    expect((await anon.get('/health')).json()).toEqual({ status: 'ok' });
    expectStatus(await anon.get('/ready'), 200);
    const check = spawnSync('sh', ['-c', image.healthcheck!], { env, encoding: 'utf8', timeout: 10_000 });
    expect(check.status).toBe(0);

    const admin = anon.as(adminKey);
    const { data, sha } = randomContent(200_000);
    expectStatus(await admin.put(`/api/v1/blobs/${sha}`, data), 201);
    const got = await admin.get(`/api/v1/blobs/${sha}`);
    expectStatus(got, 200);
    expect(got.body.equals(data)).toBe(true);

    server.kill('SIGTERM');
    expect(await new Promise((r) => server!.once('exit', r))).toBe(0);
  });
});

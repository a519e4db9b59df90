'use strict';
// The processes the e2e specs and the benchmarks run against: MinIO, the FerretDB launcher and the Hoard server
// from the build, each on a free loopback port. Plain CommonJS so that bench/ can require it without compiling;
// the specs import it through test-servers.d.ts.
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync, mkdtempSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { homedir, tmpdir } = require('node:os');
const { join } = require('node:path');

const SERVER_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'server', 'src', 'main.js');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const alive = (proc) => proc.exitCode === null && proc.signalCode === null;

/** Asks the kernel for a free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh directory under the system temp dir. */
function tempDir(prefix = 'hoard-test-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Where the test servers' binaries are cached. */
function testCacheDir() {
  return process.env.HOARD_TEST_CACHE || join(homedir(), '.cache', 'hoard-test');
}

/** `<cache>/bin/<name>` when it exists, else null. */
function cachedBinary(name) {
  const bin = join(testCacheDir(), 'bin', name);
  return existsSync(bin) ? bin : null;
}

/**
 * A test server binary `<cache>/bin/<name>`: built (or found up to date) by `script` when `go` is on the PATH,
 * progress going to stderr; else the cached one. Null when it cannot be had.
 */
async function prepareBinary(name, script, what) {
  const bin = join(testCacheDir(), 'bin', name);
  const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
  if (!hasGo) return cachedBinary(name);
  const exitCode = await new Promise((resolve) => {
    const proc = spawn('bash', [script], { stdio: ['ignore', 'ignore', 'inherit'] });
    proc.once('error', () => resolve(null));
    proc.once('exit', (code) => resolve(code));
  });
  if (exitCode !== 0) {
    process.stderr.write(`${what} could not be built (${script} exited with ${exitCode})\n`);
    return cachedBinary(name);
  }
  return bin;
}

/** The MinIO binary, from the cache or built once by `build-minio.sh`. */
function prepareMinio() {
  return prepareBinary('minio', join(__dirname, 'build-minio.sh'), 'MinIO');
}

/** The FerretDB launcher binary, from the cache or built once by `build-ferretdb.sh`. */
function prepareFerretDb() {
  return prepareBinary('ferretdb-launcher', join(__dirname, 'build-ferretdb.sh'), 'FerretDB launcher');
}

/** SIGTERM, then SIGKILL after `graceMs` (never when Infinity); resolves with the exit code once it has exited. */
function stopProcess(proc, graceMs = 10_000) {
  if (!alive(proc)) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => {
    const timer = Number.isFinite(graceMs) ? setTimeout(() => alive(proc) && proc.kill('SIGKILL'), graceMs) : null;
    proc.once('exit', (code) => {
      if (timer) clearTimeout(timer);
      resolve(code);
    });
    proc.kill('SIGTERM');
  });
}

/** Polls `url` until it answers 2xx, `proc` exits, or the time runs out; returns whether it answered. */
async function waitHttp(url, proc, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && !alive(proc)) return false;
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return false;
}

/** Spawns with stdout and stderr kept (the last `limit` characters); `onSpawn` sees the process first. */
function spawnCaptured(command, args, options, onSpawn, limit = Infinity) {
  const proc = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  if (onSpawn) onSpawn(proc);
  let out = '';
  const keep = (chunk) => {
    out += chunk.toString();
    if (out.length > limit) out = out.slice(-Math.floor(limit / 2));
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  return { proc, output: () => out };
}

/** Starts `minio server` on a free port with a fresh data directory and waits until it reports ready. */
async function startMinio(bin, { dir = tempDir('hoard-minio-'), timeoutMs = 30_000, onSpawn } = {}) {
  const port = await freePort();
  const accessKey = 'hoard-test';
  const secretKey = 'hoard-test-secret';
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    MINIO_ROOT_USER: accessKey,
    MINIO_ROOT_PASSWORD: secretKey,
    MINIO_BROWSER: 'off',
    MINIO_UPDATE: 'off',
    MINIO_CI_CD: '1',
  };
  const args = ['server', join(dir, 'data'), '--address', `127.0.0.1:${port}`, '--quiet', '--anonymous'];
  const { proc, output } = spawnCaptured(bin, args, { env }, onSpawn, 16_000);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  };
  if (!(await waitHttp(`${endpoint}/minio/health/ready`, proc, timeoutMs))) {
    const why = alive(proc)
      ? `did not become ready on ${endpoint} within ${timeoutMs} ms`
      : `exited with ${proc.exitCode ?? proc.signalCode} at start`;
    await stop();
    throw new Error(`MinIO ${why}:\n${output()}`);
  }
  return { endpoint, accessKey, secretKey, region: 'us-east-1', pid: proc.pid, stop };
}

/** Starts the FerretDB launcher on a free port with a fresh data directory and waits until a client ping answers. */
async function startFerretDb(bin, { dir = tempDir('hoard-ferretdb-'), timeoutMs = 20_000, onSpawn } = {}) {
  const { MongoClient } = require('mongodb');
  const port = await freePort();
  const { proc, output } = spawnCaptured(bin, ['-port', String(port), '-dir', dir], {}, onSpawn, 16_000);
  const uri = `mongodb://127.0.0.1:${port}/`;
  const stop = async () => {
    await stopProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive(proc)) {
      await stop();
      throw new Error(`FerretDB exited with ${proc.exitCode ?? proc.signalCode} at start:\n${output()}`);
    }
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      return { uri, pid: proc.pid, stop };
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`FerretDB did not answer on ${uri} within ${timeoutMs} ms: ${String(error)}\n${output()}`);
      }
    } finally {
      await client.close();
    }
    await sleep(100);
  }
}

/** The server did not answer in time or exited first; `output` is what it wrote. */
class ServerStartError extends Error {
  constructor(message, output) {
    super(`${message}:\n${output}`);
    this.output = output;
  }
}

/**
 * Starts `node <main>` (the server from the build) on a free loopback port with its own data directory and waits
 * until `waitPath` answers 2xx. `env` adds to or overrides the defaults; a value of undefined removes a variable.
 */
async function startHoardServer(options = {}) {
  const { main = SERVER_MAIN, waitPath = '/ready', timeoutMs = 30_000, graceMs = Infinity, onSpawn, outputLimit } = options;
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? tempDir();
  const adminKey = options.env?.HOARD_BOOTSTRAP_ADMIN_KEY ?? `${options.keyPrefix ?? 'hk_test_'}${randomBytes(24).toString('hex')}`;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOARD_LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    HOARD_DATA_DIR: dataDir,
    HOARD_BOOTSTRAP_ADMIN_KEY: adminKey,
    ...options.env,
  };
  for (const name of Object.keys(env)) if (env[name] === undefined) delete env[name];
  const [command, ...args] = [...(options.wrap ?? []), process.execPath, main];
  const { proc, output } = spawnCaptured(command, args, { env }, onSpawn, outputLimit);
  const exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const server = {
    url,
    port,
    pid: proc.pid,
    dataDir,
    adminKey,
    proc,
    output,
    stop: async () => {
      await stopProcess(proc, graceMs);
      return exited;
    },
    kill: async () => {
      if (alive(proc)) proc.kill('SIGKILL');
      await exited;
    },
  };
  if (await waitHttp(url + waitPath, proc, timeoutMs)) return server;
  if (!alive(proc)) throw new ServerStartError(`server exited with ${proc.exitCode ?? proc.signalCode} before answering`, output());
  await server.kill();
  throw new ServerStartError(`server did not answer ${waitPath} within ${timeoutMs / 1000} s`, output());
}

module.exports = {
  SERVER_MAIN,
  ServerStartError,
  freePort,
  tempDir,
  testCacheDir,
  cachedBinary,
  prepareBinary,
  prepareMinio,
  prepareFerretDb,
  stopProcess,
  waitHttp,
  startMinio,
  startFerretDb,
  startHoardServer,
};

'use strict';
// MinIO and the FerretDB launcher from the test cache (built by test/support), started on free loopback ports.
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { tempDir, removeDir, trackProcess, stopProcess } = require('./cleanup');
const { freePort, waitHttp, sleep } = require('./proc');
const { NotAvailable } = require('./report');

function cachedBinary(name) {
  const dir = path.join(process.env.HOARD_TEST_CACHE || path.join(os.homedir(), '.cache', 'hoard-test'), 'bin');
  const bin = path.join(dir, name);
  if (!existsSync(bin)) throw new NotAvailable(`${bin} not built (the e2e test support builds it: npm run test:e2e)`);
  return bin;
}

function capture(proc) {
  let out = '';
  const keep = (c) => (out = (out + c).slice(-16_000));
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return () => out;
}

/** MinIO with a fresh data directory; resolves when /minio/health/ready answers. */
async function startMinio() {
  const bin = cachedBinary('minio');
  const port = await freePort();
  const dir = tempDir('minio');
  const accessKey = 'hoard-bench';
  const secretKey = 'hoard-bench-secret';
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    MINIO_ROOT_USER: accessKey,
    MINIO_ROOT_PASSWORD: secretKey,
    MINIO_BROWSER: 'off',
    MINIO_UPDATE: 'off',
    MINIO_CI_CD: '1',
  };
  const proc = trackProcess(spawn(bin, ['server', path.join(dir, 'data'), '--address', `127.0.0.1:${port}`, '--quiet'], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  const output = capture(proc);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopProcess(proc);
    removeDir(dir);
  };
  if (!(await waitHttp(`${endpoint}/minio/health/ready`, proc, 60_000))) {
    await stop();
    throw new Error(`MinIO did not start: ${output().trim().slice(-500)}`);
  }
  return { endpoint, accessKey, secretKey, region: 'us-east-1', pid: proc.pid, stop };
}

/** The FerretDB launcher (MongoDB wire protocol over SQLite); resolves when a ping answers. */
async function startFerretDb() {
  const bin = cachedBinary('ferretdb-launcher');
  const { MongoClient } = require('mongodb');
  const port = await freePort();
  const dir = tempDir('ferretdb');
  const proc = trackProcess(spawn(bin, ['-port', String(port), '-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const output = capture(proc);
  const uri = `mongodb://127.0.0.1:${port}/`;
  const stop = async () => {
    await stopProcess(proc);
    removeDir(dir);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await stop();
      throw new Error(`FerretDB exited at start: ${output().trim().slice(-500)}`);
    }
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      return { uri, stop };
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`FerretDB did not answer on ${uri}: ${err.message}`);
      }
    } finally {
      await client.close();
    }
    await sleep(100);
  }
}

module.exports = { startMinio, startFerretDb };

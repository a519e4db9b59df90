'use strict';
// A Hoard server process from the build (dist/), on a free loopback port with its own data directory.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync } = require('node:fs');
const path = require('node:path');
const { tempDir, removeDir, trackProcess, stopProcess } = require('./cleanup');
const { freePort, waitHttp } = require('./proc');
const { NotAvailable, ProductFailure } = require('./report');

const { buildRoot } = require('./build-copy');

/**
 * Starts the server and waits for /ready. `env` adds to (or overrides) the defaults.
 * Throws NotAvailable when the build is missing, ProductFailure when the server does not come up.
 * `stop()` ends the process and removes its data directory; `stop({ keepData: true })` leaves the directory to the caller.
 * @returns {Promise<{url: string, pid: number, dataDir: string, adminKey: string, output(): string, stop(opts?: {keepData?: boolean}): Promise<void>}>}
 */
async function startHoardServer({ env = {}, label = 'server' } = {}) {
  const main = path.join(buildRoot(), 'dist', 'apps', 'server', 'src', 'main.js');
  if (!existsSync(main)) throw new NotAvailable(`${main} missing: run npm run build`);
  const port = await freePort();
  const dataDir = tempDir(`${label}-data`);
  const adminKey = `hk_bench_${randomBytes(24).toString('hex')}`;
  const fullEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    PORT: String(port),
    HOARD_DATA_DIR: dataDir,
    HOARD_BOOTSTRAP_ADMIN_KEY: adminKey,
    HOARD_LOG_LEVEL: 'warn',
    ...env,
  };
  const proc = trackProcess(spawn(process.execPath, [main], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  const keep = (c) => {
    out += c;
    if (out.length > 64_000) out = out.slice(-32_000);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async ({ keepData = false } = {}) => {
    await stopProcess(proc);
    if (!keepData) removeDir(dataDir);
  };
  if (!(await waitHttp(`${url}/ready`, proc, 60_000))) {
    await stop();
    const lines = out.split('\n').map((l) => l.trim()).filter(Boolean);
    const why = lines.find((l) => /error/i.test(l)) ?? (lines.slice(-2).join(' / ') || 'no output');
    throw new ProductFailure(`server did not start (${why})`);
  }
  return { url, pid: proc.pid, proc, dataDir, adminKey, output: () => out, stop };
}

module.exports = { startHoardServer };

'use strict';
// A Hoard server process from the copied build, on a free loopback port with its own data directory, through the
// launcher the e2e specs use.
const { existsSync } = require('node:fs');
const path = require('node:path');
const { startHoardServer: launch, ServerStartError } = require('../../test/support/test-servers');
const { tempDir, removeDir, trackProcess } = require('./cleanup');
const { NotAvailable, ProductFailure } = require('./report');

const { buildRoot } = require('./build-copy');

/**
 * Starts the server and waits for /ready. `env` adds to (or overrides) the defaults.
 * Throws NotAvailable when the build is missing, ProductFailure when the server does not come up.
 * `stop()` ends the process and removes its data directory; `stop({ keepData: true })` leaves the directory to the caller.
 * `dataDir` starts it on an existing data directory (registered for removal already).
 * @returns {Promise<{url: string, pid: number, dataDir: string, adminKey: string, output(): string, stop(opts?: {keepData?: boolean}): Promise<void>}>}
 */
async function startHoardServer({ env = {}, label = 'server', dataDir: given } = {}) {
  const main = path.join(buildRoot(), 'dist', 'apps', 'server', 'src', 'main.js');
  if (!existsSync(main)) throw new NotAvailable(`${main} missing: run npm run build`);
  const dataDir = given ?? tempDir(`${label}-data`);
  let server;
  try {
    server = await launch({
      main,
      env,
      dataDir,
      keyPrefix: 'hk_bench_',
      timeoutMs: 60_000,
      graceMs: 10_000,
      outputLimit: 64_000,
      onSpawn: trackProcess,
    });
  } catch (err) {
    removeDir(dataDir);
    if (!(err instanceof ServerStartError)) throw err;
    const lines = err.output
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const why = lines.find((l) => /error/i.test(l)) ?? (lines.slice(-2).join(' / ') || 'no output');
    throw new ProductFailure(`server did not start (${why})`);
  }
  const stop = async ({ keepData = false } = {}) => {
    await server.stop();
    if (!keepData) removeDir(dataDir);
  };
  return { ...server, stop };
}

/**
 * Stops `server` and starts a fresh process on its data directory with the same admin key and `env`: what is then
 * measured of the process (its memory) owes nothing to what the first one did.
 */
async function restartHoardServer(server, { env = {}, label = 'server' } = {}) {
  await server.stop({ keepData: true });
  return startHoardServer({ env: { ...env, HOARD_BOOTSTRAP_ADMIN_KEY: server.adminKey }, label, dataDir: server.dataDir });
}

module.exports = { startHoardServer, restartHoardServer };

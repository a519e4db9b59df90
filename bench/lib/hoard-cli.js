'use strict';
// The `hoard` CLI as a user runs it (node bin/hoard.js), timed, with its memory sampled.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');
const { tempDir } = require('./cleanup');
const { runTimed } = require('./proc');
const { NotAvailable, ProductFailure } = require('./report');
const { RssSampler } = require('./rss-sampler');
const { buildRoot } = require('./build-copy');

const bin = () => path.join(buildRoot(), 'bin', 'hoard.js');

/** Throws NotAvailable unless `hoard scan --help` runs. */
function requireCli() {
  if (!existsSync(bin())) throw new NotAvailable('the hoard CLI does not exist yet (bin/hoard.js missing)');
  const res = spawnSync(process.execPath, [bin(), 'scan', '--help'], { encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0 || !/scan/.test(res.stdout)) {
    const why = (res.stderr || res.stdout || '').trim().split('\n')[0];
    throw new NotAvailable(`hoard scan is not available yet (${why || `exit ${res.status}`})`);
  }
}

/**
 * Runs `hoard scan <paths> --url U --api-key K --json` with HOARD_CACHE_DIR = `cacheDir`, sampling the RSS of
 * the process (its worker threads included). Exit 0 or 1 (some files failed) is accepted; anything else is a
 * ProductFailure. Returns the wall time, the peak RSS and the final summary object.
 */
async function runScan(server, paths, cacheDir, extraArgs = []) {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOARD_CACHE_DIR: cacheDir,
    XDG_CONFIG_HOME: tempDir('cli-config'),
  };
  let sampler = null;
  const res = await runTimed(
    process.execPath,
    [bin(), 'scan', ...paths, '--url', server.url, '--api-key', server.adminKey, '--json', ...extraArgs],
    { env, allowFailure: true, onSpawn: (proc) => (sampler = new RssSampler(proc.pid)) },
  );
  const peakRss = sampler.stop();
  if (res.code !== 0 && res.code !== 1) {
    const tail = res.stderr.trim().split('\n').slice(-3).join(' / ');
    throw new ProductFailure(`hoard scan exited with ${res.code}: ${tail}`);
  }
  const lines = res.stdout.trim().split('\n').filter(Boolean);
  let summary = null;
  for (const line of lines.reverse()) {
    const event = JSON.parse(line);
    if (event.event === 'summary') {
      summary = event;
      break;
    }
  }
  if (!summary) throw new ProductFailure('hoard scan --json printed no summary');
  return { seconds: res.seconds, peakRss, summary, code: res.code };
}

module.exports = { requireCli, runScan };

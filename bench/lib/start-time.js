'use strict';
// Time from launching the server to its first /health answer: `npm start` on the built tree (which runs the build's
// up-to-date check first) beside `node dist/apps/server/src/main.js`.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync } = require('node:fs');
const path = require('node:path');
const { tempDir, removeDir, trackProcess } = require('./cleanup');
const { freePort } = require('./proc');
const { NotAvailable, ProductFailure } = require('./report');

const ROOT = path.join(__dirname, '..', '..');
const POLL_MS = 10;

/** Ends the launched command and everything it started (npm runs the server as a child): its process group. */
function stopGroup(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', resolve);
    try {
      process.kill(-proc.pid, 'SIGTERM');
    } catch {
      resolve();
    }
  });
}

/** Seconds from spawning `command` in the repository until `/health` answers 200 (polled every 10 ms). */
async function timeToHealth(command, args) {
  const port = await freePort();
  const dataDir = tempDir('start-data');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    PORT: String(port),
    HOARD_DATA_DIR: dataDir,
    HOARD_BOOTSTRAP_ADMIN_KEY: `hk_bench_${randomBytes(24).toString('hex')}`,
    HOARD_LOG_LEVEL: 'warn',
  };
  const started = process.hrtime.bigint();
  const proc = trackProcess(spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  proc.stdout.on('data', (c) => (out += c));
  proc.stderr.on('data', (c) => (out += c));
  try {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && proc.exitCode === null) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return Number(process.hrtime.bigint() - started) / 1e9;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    throw new ProductFailure(`${command} ${args.join(' ')} did not answer /health: ${out.trim().split('\n').slice(-3).join(' / ')}`);
  } finally {
    await stopGroup(proc);
    removeDir(dataDir);
  }
}

/**
 * The median of `rounds` launches of each, taking turns: `npm start` and `node dist/apps/server/src/main.js`.
 * @returns {Promise<{npmStart: number, node: number}>} seconds
 */
async function measureStart(rounds) {
  if (!existsSync(path.join(ROOT, 'dist', 'apps', 'server', 'src', 'main.js'))) throw new NotAvailable('dist/ missing: run npm run build');
  const npm = [];
  const node = [];
  for (let i = 0; i < rounds; i++) {
    npm.push(await timeToHealth('npm', ['start', '--silent']));
    node.push(await timeToHealth(process.execPath, ['dist/apps/server/src/main.js']));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { npmStart: median(npm), node: median(node), rounds };
}

module.exports = { measureStart };

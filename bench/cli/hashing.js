'use strict';
// Hashing throughput of large files (warm page cache): the CLI's hash pool beside two openssl processes.
const { closeSync, existsSync, mkdirSync, openSync, readSync } = require('node:fs');
const path = require('node:path');
const { tempDir } = require('../lib/cleanup');
const { writeRandomFile } = require('../lib/data-gen');
const { requireCli, runScan } = require('../lib/hoard-cli');
const { buildRoot } = require('../lib/build-copy');
const { startHoardServer } = require('../lib/hoard-server');
const { log, bytes, MiB } = require('../lib/log');
const { runTimed, which } = require('../lib/proc');
const { addRow, NotAvailable, ProductFailure } = require('../lib/report');

const G = 'cli';
const mbps = (size, seconds) => size / MiB / seconds;

/** Two `openssl dgst -sha256` processes, each over half the files; wall time until both end, and the digests. */
async function opensslPair(files) {
  const halves = [files.filter((_, i) => i % 2 === 0), files.filter((_, i) => i % 2 === 1)].filter((h) => h.length);
  const started = process.hrtime.bigint();
  const runs = await Promise.all(halves.map((h) => runTimed('openssl', ['dgst', '-sha256', '-r', ...h])));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const digests = new Map();
  for (const r of runs) {
    for (const line of r.stdout.trim().split('\n')) {
      const [sha, file] = line.split(/\s+\*?/);
      digests.set(file, sha);
    }
  }
  return { seconds, digests };
}

/** The CLI's exported hash pool, loaded from the build; null when there is none. */
function loadHashPool() {
  const file = path.join(buildRoot(), 'dist', 'apps', 'cli', 'src', 'core', 'concurrency', 'hash-pool.js');
  if (!existsSync(file)) return null;
  const { HashPool } = require(file);
  return typeof HashPool === 'function' ? HashPool : null;
}

/** Hashing throughput of large files with a warm page cache: the CLI's pool vs two openssl processes. */
async function hashing(scale, work) {
  if (!which('openssl')) throw new NotAvailable('openssl not installed (run bench/setup.sh)');
  const HashPool = loadHashPool();
  if (!HashPool) requireCli(); // no pool to load: measured through a dry-run scan instead
  const dir = path.join(work, 'large');
  mkdirSync(dir);
  const files = [];
  for (let i = 0; i < scale.hashFiles; i++) {
    const file = path.join(dir, `large-${i}.bin`);
    await writeRandomFile(file, scale.hashFileBytes, `hash-${i}`);
    files.push(file);
  }
  const total = scale.hashFiles * scale.hashFileBytes;
  log(G, `hashing ${scale.hashFiles} x ${bytes(scale.hashFileBytes)}: warm-up (page cache), then best of ${scale.repeats}`);
  warmPageCache(files);

  let runHoard;
  let cleanup = async () => {};
  let how;
  if (HashPool) {
    const pool = new HashPool();
    how = 'HashPool from dist/apps/cli/src/core/concurrency (default size)';
    cleanup = () => pool.close();
    runHoard = async () => {
      const started = process.hrtime.bigint();
      const results = await Promise.all(files.map((f) => pool.hash(f)));
      return { seconds: Number(process.hrtime.bigint() - started) / 1e9, digests: new Map(files.map((f, i) => [f, results[i].sha256])) };
    };
  } else {
    const server = await startHoardServer({ label: 'hash' });
    how = 'hoard scan --dry-run of the large files';
    cleanup = () => server.stop();
    runHoard = async () => {
      const scan = await runScan(server, [dir], tempDir('cli-cache'), ['--dry-run']);
      return { seconds: scan.seconds, digests: null };
    };
  }
  try {
    const reference = await opensslPair(files); // warm-up of both
    const first = await runHoard();
    if (first.digests) for (const f of files) {
      if (first.digests.get(f) !== reference.digests.get(f)) throw new ProductFailure(`hash pool digest of ${path.basename(f)} differs from openssl`);
    }
    let bestHoard = Infinity;
    let bestSsl = Infinity;
    for (let i = 1; i <= scale.repeats; i++) {
      const s = (await opensslPair(files)).seconds;
      const h = (await runHoard()).seconds;
      bestSsl = Math.min(bestSsl, s);
      bestHoard = Math.min(bestHoard, h);
      log(G, `hash round ${i}/${scale.repeats}: hoard ${mbps(total, h).toFixed(0)} MiB/s, openssl x2 ${mbps(total, s).toFixed(0)} MiB/s`);
    }
    const ratio = bestSsl / bestHoard;
    addRow({
      group: G, name: `hash ${scale.hashFiles} x ${bytes(scale.hashFileBytes)}`, value: mbps(total, bestHoard), unit: 'MiB/s',
      ref: { label: 'openssl dgst x2 processes', value: mbps(total, bestSsl) }, ratio, bar: { text: '>= 0.80x', pass: ratio >= 0.8 },
      note: `${how}; warm page cache; best of ${scale.repeats}`,
    });
  } finally {
    await cleanup();
  }
}

function warmPageCache(files) {
  const buf = Buffer.allocUnsafe(4 * MiB);
  for (const f of files) {
    const fd = openSync(f, 'r');
    try {
      while (readSync(fd, buf, 0, buf.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
}

module.exports = { hashing, opensslPair, warmPageCache };

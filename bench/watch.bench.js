'use strict';
// Issue 18: `hoard watch` on a large tree — idle cost after the first scan, latency of a new file, and a burst of
// new files beside `hoard scan` of the same files alone.
const { spawn } = require('node:child_process');
const { readFileSync, writeFileSync, mkdirSync } = require('node:fs');
const path = require('node:path');
const { tempDir, removeDir } = require('./lib/cleanup');
const { generateTree } = require('./lib/data-gen');
const { requireCli, runScan } = require('./lib/hoard-cli');
const { startHoardServer } = require('./lib/hoard-server');
const { buildRoot } = require('./lib/build-copy');
const { log, MiB } = require('./lib/log');
const { addRow, ProductFailure } = require('./lib/report');
const { RssSampler } = require('./lib/rss-sampler');
const { measure } = require('./lib/step');

const G = 'watch';
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

function sizes(scale) {
  return scale.name === 'small'
    ? { tree: 5_000, idleSeconds: 15, latencyFiles: 10, burst: 1_000 }
    : { tree: 100_000, idleSeconds: 60, latencyFiles: 50, burst: 10_000 };
}

/** CPU seconds (user + system) of a process, from /proc. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Starts `hoard watch` with --json; `events()` is what it printed so far. */
function startWatch(server, root, cacheDir) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, HOARD_CACHE_DIR: cacheDir, XDG_CONFIG_HOME: tempDir('watch-config') };
  const args = [path.join(buildRoot(), 'bin', 'hoard.js'), 'watch', root, '--url', server.url, '--api-key', server.adminKey, '--json'];
  const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (c) => (out += c));
  const events = () =>
    out
      .split('\n')
      .slice(0, -1)
      .map((l) => JSON.parse(l));
  const exited = new Promise((r) => proc.once('close', r));
  return { proc, events, stop: async () => (proc.kill('SIGTERM'), await exited) };
}

async function until(what, check, ms) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new ProductFailure(`timed out waiting for ${what}`);
    await pause(20);
  }
}

/** Second scans timed with the run reported and without it (the medians are compared). */
const REPORT_PAIRS = 7;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * What reporting the scan run costs a scan: second scans of the unchanged tree (state cache warm) with the run
 * reported and with `--no-report-run`, taken in turns so that a noisy machine weighs on both alike; medians compared.
 * A second scan of 100,000 files takes under a second, so a few tens of milliseconds of noise are several percent:
 * seven of each.
 */
async function reportingCost(server, tree, n, row) {
  const cache = tempDir('watch-report-cache');
  log(G, `first scan of ${n.tree} files`);
  await runScan(server, [tree], cache);
  const reported = [];
  const unreported = [];
  const scan = async (report) =>
    (report ? reported : unreported).push((await runScan(server, [tree], cache, report ? [] : ['--no-report-run'])).seconds);
  for (let i = 0; i < REPORT_PAIRS; i++) {
    // Which of the pair goes first alternates: a scan right after another may find the machine in another state.
    for (const report of i % 2 === 0 ? [true, false] : [false, true]) await scan(report);
  }
  const withRun = median(reported);
  const without = median(unreported);
  const ratio = withRun / without;
  addRow({
    group: G,
    name: row,
    value: withRun,
    unit: 's',
    ref: { label: '--no-report-run', value: without },
    ratio,
    bar: { text: '<= 1.03x', pass: ratio <= 1.03 },
    note: `median of ${REPORT_PAIRS} each, in turns (which goes first alternates)`,
  });
}

async function run(scale) {
  const n = sizes(scale);
  const rows = [
    `idle CPU after scanning ${n.tree} files`,
    'watch RSS after the first scan',
    'new file stored, p95',
    `burst of ${n.burst} files vs hoard scan`,
    `second scan of ${n.tree} unchanged files, run reported`,
    'watch RSS during the first scan',
  ];
  const work = tempDir('watch');
  try {
    await measure(G, rows, async () => {
      requireCli();
      const tree = path.join(work, 'tree');
      log(G, `generating ${n.tree} small files`);
      await generateTree(tree, { files: n.tree, seed: 18, sizeOf: (r) => Math.floor(r() * 4096) });
      const server = await startHoardServer({ label: 'watch' });
      await reportingCost(server, tree, n, rows[4]);
      const watch = startWatch(server, tree, tempDir('watch-cache'));
      const firstScan = new RssSampler(watch.proc.pid);
      let rss = null;
      try {
        // The first scan's end: its summary (the run it opened names its batch too, at its start).
        await until('the first scan', () => watch.events().some((e) => e.event === 'summary' && e.batch === 'full'), 30 * 60_000);
        addRow({
          group: G,
          name: rows[5],
          value: firstScan.stop() / MiB,
          unit: 'MiB',
          note: "peak from the start to the first scan's summary, threads included (the bar is on what follows)",
        });
        rss = new RssSampler(watch.proc.pid);
        const before = cpuSeconds(watch.proc.pid);
        await pause(n.idleSeconds * 1000);
        const idle = ((cpuSeconds(watch.proc.pid) - before) / n.idleSeconds) * 100;
        addRow({
          group: G,
          name: rows[0],
          value: idle,
          unit: '%',
          bar: { text: '< 1% of a core', pass: idle < 1 },
          note: `over ${n.idleSeconds} s`,
        });

        // One file at a time: the time from its write to its upload event.
        const latencies = [];
        const recordedBatches = () => watch.events().filter((e) => e.event === 'summary' && e.batch === 'changes' && e.recorded > 0).length;
        mkdirSync(path.join(tree, 'new'));
        for (let i = 0; i < n.latencyFiles; i++) {
          const file = path.join(tree, 'new', `f${i}.bin`);
          const t0 = Date.now();
          writeFileSync(file, `latency probe ${i} ${t0}\n`);
          await until(`${file} recorded`, () => recordedBatches() > i, 30_000);
          latencies.push((Date.now() - t0) / 1000);
        }
        latencies.sort((a, b) => a - b);
        const p95 = latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.95) - 1)];
        addRow({
          group: G,
          name: rows[2],
          value: p95,
          unit: 's',
          ref: { label: 'settle', value: 2 },
          bar: { text: '<= settle + 2 s', pass: p95 <= 4 },
          note: `${n.latencyFiles} files, one by one`,
        });

        // A burst of new files, then the same number scanned alone by `hoard scan`.
        const burst = path.join(work, 'burst');
        await generateTree(burst, { files: n.burst, seed: 19, sizeOf: (r) => Math.floor(r() * 4096) });
        const seen = watch.events().length;
        const t0 = Date.now();
        require('node:fs').renameSync(burst, path.join(tree, 'burst'));
        let recorded = 0;
        await until(
          'the burst',
          () => {
            recorded = watch
              .events()
              .slice(seen)
              .filter((e) => e.event === 'summary')
              .reduce((s, e) => s + e.recorded, 0);
            return recorded >= n.burst;
          },
          30 * 60_000,
        );
        const watched = (Date.now() - t0) / 1000;
        const alone = path.join(work, 'alone');
        await generateTree(alone, { files: n.burst, seed: 20, sizeOf: (r) => Math.floor(r() * 4096) });
        const scan = await runScan(server, [alone], tempDir('watch-scan-cache'));
        const ratio = watched / scan.seconds;
        addRow({
          group: G,
          name: rows[3],
          value: watched,
          unit: 's',
          ref: { label: 'hoard scan alone', value: scan.seconds },
          ratio,
          bar: { text: '<= 1.50x', pass: ratio <= 1.5 },
          note: 'a directory of new files moved in, from the move to the last record',
        });
      } finally {
        firstScan.stop();
        const peak = rss?.stop();
        if (peak !== undefined) {
          addRow({
            group: G,
            name: rows[1],
            value: peak / MiB,
            unit: 'MiB',
            bar: { text: '< 250 MiB', pass: peak < 250 * MiB },
            note: "peak from the first scan's summary to the end: idle, the new files, the burst; threads included",
          });
        }
        await watch.stop();
        await server.stop();
      }
    });
  } finally {
    removeDir(work);
  }
}

module.exports = { run };

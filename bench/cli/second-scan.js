'use strict';
// Second scan of an unchanged tree of many small files beside `find -printf`: time, files read, requests sent,
// and the CLI's peak RSS over the first and the repeated scans.
const path = require('node:path');
const { tempDir } = require('../lib/cleanup');
const { generateTree } = require('../lib/data-gen');
const { countRequests } = require('../lib/http-client');
const { requireCli, runScan } = require('../lib/hoard-cli');
const { startHoardServer } = require('../lib/hoard-server');
const { log, bytes, MiB } = require('../lib/log');
const { runTimed } = require('../lib/proc');
const { addRow } = require('../lib/report');

const G = 'cli';

/** Row names, so that the caller can report them N/A or FAIL as a whole. */
function secondScanRows(scale) {
  const n = scale.warmTreeFiles.toLocaleString('en-US');
  return [`second scan, ${n} unchanged files`, 'second scan: requests per 1,000 files', 'second scan: files read', `CLI peak RSS scanning ${n} files`];
}

async function secondScan(scale, work) {
  requireCli();
  const [timeRow, requestsRow, readRow, rssRow] = secondScanRows(scale);
  const files = scale.warmTreeFiles;
  const tree = path.join(work, 'warm-tree');
  log(G, `generating ${files} small files (0..4 KiB, ${Math.ceil(files / 5)} distinct contents)`);
  const made = await generateTree(tree, {
    files, seed: 5, distinct: Math.ceil(files / 5), sizeOf: (r) => Math.floor(r() * 4096),
    onProgress: (n) => log(G, `  ${n} files written`),
  });
  log(G, `tree: ${made.files} files, ${bytes(made.bytes)}`);
  const server = await startHoardServer({ label: 'warm' });
  const cacheDir = tempDir('cli-cache');
  try {
    log(G, `first scan of ${files} files (fills the server and the state cache)`);
    const first = await runScan(server, [tree], cacheDir);
    log(G, `first scan: ${first.seconds.toFixed(1)} s, peak RSS ${(first.peakRss / MiB).toFixed(0)} MiB, failed ${first.summary.failed}`);
    let peak = first.peakRss;
    await runTimed('find', [tree, '-printf', '%s %T@ %i\\n'], { stdout: 'ignore' }); // warm the inode cache
    let bestScan = Infinity;
    let bestFind = Infinity;
    let requests = 0;
    let read = 0;
    let unchanged = Infinity;
    for (let i = 1; i <= scale.warmRepeats; i++) {
      const find = await runTimed('find', [tree, '-printf', '%s %T@ %i\\n'], { stdout: 'ignore' });
      const before = await countRequests(server.url);
      const scan = await runScan(server, [tree], cacheDir);
      const after = await countRequests(server.url);
      bestFind = Math.min(bestFind, find.seconds);
      bestScan = Math.min(bestScan, scan.seconds);
      requests = Math.max(requests, after - before);
      read = Math.max(read, scan.summary.hashed?.files ?? Number.NaN);
      unchanged = Math.min(unchanged, scan.summary.unchanged ?? Number.NaN);
      peak = Math.max(peak, scan.peakRss);
      log(G, `second scan round ${i}/${scale.warmRepeats}: hoard ${scan.seconds.toFixed(2)} s (${after - before} requests, ${scan.summary.hashed?.files} files read), find ${find.seconds.toFixed(2)} s`);
    }
    const ratio = bestScan / bestFind;
    addRow({
      group: G, name: timeRow, value: bestScan, unit: 's', ref: { label: "find -printf '%s %T@ %i'", value: bestFind },
      ratio, bar: { text: '<= 3.00x', pass: ratio <= 3 }, note: `best of ${scale.warmRepeats}; ${unchanged} reported unchanged`,
    });
    const perThousand = (requests * 1000) / files;
    addRow({
      group: G, name: requestsRow, value: perThousand, unit: 'req', bar: { text: '<= 1', pass: perThousand <= 1 },
      note: `${requests} requests (hoard_http_requests_total, /metrics excluded) in the worst round`,
    });
    addRow({ group: G, name: readRow, value: read, unit: 'files', bar: { text: '= 0', pass: read === 0 }, note: 'summary.hashed.files, worst round' });
    addRow({
      group: G, name: rssRow, value: peak / MiB, unit: 'MiB', bar: { text: '< 300 MiB', pass: peak < 300 * MiB },
      note: `process and its threads, sampled every 100 ms over the first and second scans (first: ${(first.peakRss / MiB).toFixed(0)} MiB)`,
    });
  } finally {
    await server.stop();
  }
}

module.exports = { secondScan, secondScanRows };

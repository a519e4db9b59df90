'use strict';
// Cold `hoard scan` of a generated tree into a fresh server beside `restic backup` into a fresh repository.
const path = require('node:path');
const { tempDir, removeDir } = require('../lib/cleanup');
const { generateTree, skewedSize } = require('../lib/data-gen');
const { requireCli, runScan } = require('../lib/hoard-cli');
const { startHoardServer } = require('../lib/hoard-server');
const { log, bytes } = require('../lib/log');
const { runTimed, which } = require('../lib/proc');
const { addRow, NotAvailable } = require('../lib/report');

/**
 * Cold `hoard scan` of a fresh tree into a fresh server vs `restic backup` into a fresh repository; the row goes to
 * `group` and passes at `maxRatio` or less.
 */
async function coldScan(scale, work, { group: G = 'cli', maxRatio = 1 } = {}) {
  requireCli();
  const restic = which('restic');
  if (!restic) throw new NotAvailable('restic not installed (run bench/setup.sh)');
  const tree = path.join(work, 'cold-tree');
  log(G, `generating ${scale.coldTreeFiles} files (0 B..${bytes(scale.maxFileBytes)}, skewed small, ~30% duplicates)`);
  const made = await generateTree(tree, { files: scale.coldTreeFiles, seed: 3, dupRatio: 0.3, sizeOf: (r) => skewedSize(r, scale.maxFileBytes) });
  log(G, `tree: ${made.files} files, ${bytes(made.bytes)}, ${made.distinct} distinct contents (${bytes(made.distinctBytes)})`);
  let bestHoard = Infinity;
  let bestRestic = Infinity;
  let summary = null;
  // What each round wrote is removed only after the last round. Removed between rounds, its thousands of freed inodes
  // would slow whichever tool runs next: a file system without a journal (as here) skips inodes freed in the last
  // minute or so when it allocates new ones, and hoard, which stores a file per distinct content, pays most of it.
  const leftovers = [];
  const runRestic = async (i) => {
    const repo = tempDir('restic-repo');
    const env = { ...process.env, RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: tempDir('restic-cache') };
    leftovers.push(repo, env.RESTIC_CACHE_DIR);
    await runTimed(restic, ['init', '--quiet'], { env });
    await runTimed('sync', []);
    const r = await runTimed(restic, ['backup', '--quiet', tree], { env });
    bestRestic = Math.min(bestRestic, r.seconds);
    log(G, `restic backup round ${i}/${scale.coldRepeats}: ${r.seconds.toFixed(1)} s`);
  };
  const runHoard = async (i) => {
    const server = await startHoardServer({ label: 'cold' });
    leftovers.push(server.dataDir);
    try {
      await runTimed('sync', []);
      const scan = await runScan(server, [tree], tempDir('cli-cache'));
      summary = scan.summary;
      bestHoard = Math.min(bestHoard, scan.seconds);
      log(G, `hoard scan (cold) round ${i}/${scale.coldRepeats}: ${scan.seconds.toFixed(1)} s, uploaded ${scan.summary.uploaded?.files} files, failed ${scan.summary.failed}`);
    } finally {
      await server.stop({ keepData: true });
    }
  };
  try {
    for (let i = 1; i <= scale.coldRepeats; i++) {
      // The two take turns at going first, so that neither always runs in the other's wake.
      const order = i % 2 === 1 ? [runRestic, runHoard] : [runHoard, runRestic];
      for (const run of order) await run(i);
    }
  } finally {
    for (const dir of leftovers) removeDir(dir);
  }
  const ratio = bestHoard / bestRestic;
  addRow({
    group: G, name: `cold scan, ${scale.coldTreeFiles} files`, value: bestHoard, unit: 's',
    ref: { label: 'restic backup', value: bestRestic }, ratio, bar: { text: `<= ${maxRatio.toFixed(2)}x`, pass: ratio <= maxRatio && summary.failed === 0 },
    note: `${bytes(made.bytes)} in ${made.distinct} distinct contents; best of ${scale.coldRepeats}; hoard: ${summary.uploaded?.files} uploaded, ${summary.failed} failed`,
  });
}

module.exports = { coldScan };

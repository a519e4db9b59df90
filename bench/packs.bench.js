'use strict';
// Issue 15 (small content in packs): a tree of distinct small files scanned cold beside restic, locally and on
// MinIO; the files the data directory holds afterwards; a burst of concurrent small PUTs with and without packs;
// and the cli group's 10,000-file mixed tree, against the figure before packs.
const { tempDir, removeDir } = require('./lib/cleanup');
const { log } = require('./lib/log');
const { measure } = require('./lib/step');
const { coldScan } = require('./cli/cold-scan');
const { concurrentPutRows, concurrentPuts } = require('./packs/concurrent-puts');
const { smallTreeRows, writeSmallTree, smallTreeLocal, smallTreeS3 } = require('./packs/small-tree');

const G = 'packs';

async function run(scale, { groups = [G] } = {}) {
  const work = tempDir('packs');
  try {
    const rows = smallTreeRows(scale);
    let tree = null;
    await measure(G, [rows.local, rows.inodes, rows.s3], async () => {
      tree = await writeSmallTree(scale, work);
    });
    if (tree) {
      await measure(G, [rows.local, rows.inodes], () => smallTreeLocal(scale, tree));
      await measure(G, [rows.s3], () => smallTreeS3(scale, tree));
    }
    await measure(G, Object.values(concurrentPutRows(scale)), () => concurrentPuts(scale));
    // The bar: no slower than before packs, when hoard took 0.6x-0.8x of restic's time.
    if (groups.includes('cli')) log(G, 'the mixed tree is measured by the cli group in this run (its cold scan row)');
    else await measure(G, [`cold scan, ${scale.coldTreeFiles} files`], () => coldScan(scale, work, { group: G, maxRatio: 0.8 }));
  } finally {
    removeDir(work);
  }
}

module.exports = { run };

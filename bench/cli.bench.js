'use strict';
// Issue 3: the `hoard` CLI beside restic (cold scan), two openssl processes (hashing) and find (second scan).
// Every row reports N/A, with the reason, while the CLI does not exist yet.
const { tempDir, removeDir } = require('./lib/cleanup');
const { bytes } = require('./lib/log');
const { measure } = require('./lib/step');
const { coldScan } = require('./cli/cold-scan');
const { hashing } = require('./cli/hashing');
const { secondScan, secondScanRows } = require('./cli/second-scan');

const G = 'cli';

async function run(scale) {
  const work = tempDir('cli');
  try {
    await measure(G, [`cold scan, ${scale.coldTreeFiles} files`], () => coldScan(scale, work));
    await measure(G, [`hash ${scale.hashFiles} x ${bytes(scale.hashFileBytes)}`], () => hashing(scale, work));
    await measure(G, secondScanRows(scale), () => secondScan(scale, work));
  } finally {
    removeDir(work);
  }
}

module.exports = { run };

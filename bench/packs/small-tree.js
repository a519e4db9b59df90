'use strict';
// Issue 15: a tree of distinct small files (0-4 KiB) scanned cold into a fresh server beside `restic backup` into a
// fresh repository, on local disk and on MinIO, and the number of files the local server's data directory holds
// afterwards.
const { readdirSync } = require('node:fs');
const path = require('node:path');
const { hoardS3Env, startMinio } = require('../lib/backend-servers');
const { tempDir, removeDir } = require('../lib/cleanup');
const { generateTree } = require('../lib/data-gen');
const { requireCli, runScan } = require('../lib/hoard-cli');
const { startHoardServer } = require('../lib/hoard-server');
const { log, bytes } = require('../lib/log');
const { runTimed, which } = require('../lib/proc');
const { addRow, NotAvailable } = require('../lib/report');

const G = 'packs';
const n = (v) => v.toLocaleString('en-US');

/** Row names, so that the caller can report them N/A or FAIL as a whole. */
function smallTreeRows(scale) {
  return {
    local: `cold scan, ${n(scale.packTreeFiles)} small files, local`,
    inodes: `data dir files after ${n(scale.packTreeFiles)} small files`,
    s3: `cold scan, ${n(scale.packTreeFiles)} small files, MinIO`,
  };
}

/** Writes the tree once: `packTreeFiles` files, each its own content, sizes uniform in 0..4096 bytes. */
async function writeSmallTree(scale, work) {
  const tree = path.join(work, 'small-tree');
  log(G, `generating ${n(scale.packTreeFiles)} distinct files of 0..4 KiB`);
  const made = await generateTree(tree, {
    files: scale.packTreeFiles,
    seed: 15,
    sizeOf: (r) => Math.floor(r() * 4097),
    onProgress: (k) => log(G, `  ${n(k)} files written`),
  });
  log(G, `tree: ${n(made.files)} files, ${bytes(made.bytes)}`);
  return { tree, made };
}

/** Files and directories under `dir` (every inode but `dir`'s own). */
function countEntries(dir) {
  let files = 0;
  let dirs = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      dirs++;
      const sub = countEntries(path.join(dir, entry.name));
      files += sub.files;
      dirs += sub.dirs;
    } else files++;
  }
  return { files, dirs };
}

function requireRestic() {
  const restic = which('restic');
  if (!restic) throw new NotAvailable('restic not installed (run bench/setup.sh)');
  return restic;
}

/**
 * `restic init` + timed `restic backup` of `tree` into `repository` (a directory or `s3:<url>/<bucket>`), then a
 * timed cold `hoard scan` into a fresh server started with `env`; restic goes first, as in the cli group's first
 * round. Neither the repository nor the server's data directory is removed: the caller counts and removes them.
 */
async function scanPair({ restic, tree, repository, resticEnv = {}, env = {}, label, keep }) {
  const cache = tempDir('restic-cache');
  keep.push(cache);
  const renv = { ...process.env, ...resticEnv, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: cache };
  await runTimed(restic, ['init', '--quiet'], { env: renv });
  await runTimed('sync', []);
  const r = await runTimed(restic, ['backup', '--quiet', tree], { env: renv });
  log(G, `${label}: restic backup ${r.seconds.toFixed(1)} s`);
  const server = await startHoardServer({ env, label: `packs-${label}` });
  keep.push(server.dataDir);
  try {
    await runTimed('sync', []);
    const scan = await runScan(server, [tree], tempDir('cli-cache'));
    const s = scan.summary;
    log(G, `${label}: hoard scan ${scan.seconds.toFixed(1)} s, uploaded ${s.uploaded?.files} files, failed ${s.failed}`);
    return { restic: r.seconds, hoard: scan.seconds, summary: s, dataDir: server.dataDir };
  } finally {
    await server.stop({ keepData: true });
  }
}

function scanRow(name, pair, made, where) {
  const ratio = pair.hoard / pair.restic;
  addRow({
    group: G,
    name,
    value: pair.hoard,
    unit: 's',
    ref: { label: `restic backup, ${where}`, value: pair.restic },
    ratio,
    bar: { text: '<= 1.00x', pass: ratio <= 1 && pair.summary.failed === 0 },
    note: `${bytes(made.bytes)} in ${n(made.files)} files; one round each, restic first; hoard: ${pair.summary.uploaded?.files} uploaded, ${pair.summary.failed} failed`,
  });
}

/** (a) and (c): local server vs local restic repository, then the files in each. */
async function smallTreeLocal(scale, { tree, made }) {
  requireCli();
  const restic = requireRestic();
  const rows = smallTreeRows(scale);
  const keep = [];
  try {
    const repository = tempDir('restic-repo');
    keep.push(repository);
    const pair = await scanPair({ restic, tree, repository, label: 'local', keep });
    scanRow(rows.local, pair, made, 'local repository');
    const hoard = countEntries(pair.dataDir);
    const repo = countEntries(repository);
    const inodes = hoard.files + hoard.dirs;
    addRow({
      group: G,
      name: rows.inodes,
      value: inodes,
      unit: 'files',
      ref: { label: 'restic repository', value: repo.files + repo.dirs },
      ratio: inodes / (repo.files + repo.dirs),
      bar: { text: '< 1,000', pass: inodes < 1000 },
      note: `every inode under the data directory: hoard ${n(hoard.files)} files + ${n(hoard.dirs)} directories, restic ${n(repo.files)} + ${n(repo.dirs)}`,
    });
  } finally {
    // Removed only after both ran, so that neither runs just after thousands of files were freed (see cli/cold-scan.js).
    for (const dir of keep) removeDir(dir);
  }
}

/** (b): a server on MinIO vs a restic repository on the same MinIO. */
async function smallTreeS3(scale, { tree, made }) {
  requireCli();
  const restic = requireRestic();
  const minio = await startMinio();
  const keep = [];
  try {
    const pair = await scanPair({
      restic,
      tree,
      label: 'MinIO',
      keep,
      repository: `s3:${minio.endpoint}/restic-bench`,
      resticEnv: { AWS_ACCESS_KEY_ID: minio.accessKey, AWS_SECRET_ACCESS_KEY: minio.secretKey, AWS_DEFAULT_REGION: minio.region },
      env: hoardS3Env(minio, 'hoard-bench'),
    });
    scanRow(smallTreeRows(scale).s3, pair, made, 'same MinIO');
  } finally {
    for (const dir of keep) removeDir(dir);
    await minio.stop();
  }
}

module.exports = { smallTreeRows, writeSmallTree, smallTreeLocal, smallTreeS3 };

'use strict';
// Issue 16, prune: many versions of each path recorded on SQLite, then pruned down to one per path by a retention
// rule keeping the last version; records removed per second, beside the rate the same server recorded them.
const { createHash } = require('node:crypto');
const { startHoardServer } = require('../lib/hoard-server');
const { log } = require('../lib/log');
const { addRow, ProductFailure } = require('../lib/report');
const { fileRecord, recordFiles, runJob, setRetention } = require('./api');

const G = 'lifecycle';
const n = (v) => v.toLocaleString('en-US');
const BATCH = 1000;

function pruneRows(scale) {
  return { rate: `prune ${n(scale.pruneVersions)} versions to 1 per path (SQLite)` };
}

const digestOf = (path, version) => createHash('sha256').update(`${path}@${version}`).digest('hex');

async function pruneScenario(scale) {
  const perPath = scale.pruneVersionsPerPath;
  const paths = Math.floor(scale.pruneVersions / perPath);
  const versions = paths * perPath;
  const server = await startHoardServer({ label: 'prune' });
  try {
    // A server without retention or prune reports N/A here, before the versions are recorded.
    await setRetention(server, []);
    await runJob(server, { type: 'prune', dry_run: true });

    log(G, `recording ${n(versions)} versions: ${n(paths)} paths x ${perPath}`);
    const base = Math.floor(Date.now() / 1000) - 86_400 * 30;
    let seconds = 0;
    for (let v = 0; v < perPath; v++) {
      // Each round gives every path a new version (new content, a later mtime), a batch of 1,000 paths at a time.
      for (let from = 0; from < paths; from += BATCH) {
        const batch = [];
        for (let p = from; p < Math.min(paths, from + BATCH); p++) {
          const filepath = `/srv/prune/d${p % 100}/file-${p}.dat`;
          batch.push(fileRecord('prune-bench', filepath, digestOf(filepath, v), 1000 + v, base + v * 3600));
        }
        seconds += (await recordFiles(server, batch)).seconds;
      }
      log(G, `  version ${v + 1} of every path recorded`);
    }
    const recordRate = versions / seconds;

    await setRetention(server, [{ hostname: '*', path_prefix: '', keep_last: 1, keep_within_days: null, keep_deleted_days: null }]);
    const { job, seconds: pruneSeconds, shed } = await runJob(server, { type: 'prune' });
    const removed = job.result?.records_removed;
    log(G, `prune: ${pruneSeconds.toFixed(2)} s, ${JSON.stringify(job.result)}`);
    if (removed !== versions - paths) {
      throw new ProductFailure(
        `prune removed ${removed} records, not the ${versions - paths} older versions: ${JSON.stringify(job.result)}`,
      );
    }
    const rate = removed / pruneSeconds;
    addRow({
      group: G,
      name: pruneRows(scale).rate,
      value: rate,
      unit: 'records/s',
      ref: { label: 'the same versions recorded through files/batch', value: recordRate },
      ratio: rate / recordRate,
      note: `${n(paths)} paths x ${perPath} versions, rule {"hostname":"*","keep_last":1}; ${n(removed)} records removed in ${pruneSeconds.toFixed(1)} s (the job's created_at to its ended_at)${shed ? `; ${shed} polls of the job were shed (503)` : ''}`,
    });
  } finally {
    await server.stop();
  }
}

module.exports = { pruneRows, pruneScenario };

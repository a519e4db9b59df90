'use strict';
// The JSON routes under load: batch existence checks and batch recording of file records.
const { randomBytes, randomInt } = require('node:crypto');
const { postJson } = require('./http-client');
const { ProductFailure } = require('./report');

const randomDigest = () => randomBytes(32).toString('hex');

/** Best of `repeats` POST /api/v1/blobs/missing with `n` random (hence missing) digests each; digests/s. */
async function measureMissing(server, n, repeats) {
  const headers = { 'x-api-key': server.adminKey };
  const url = `${server.url}/api/v1/blobs/missing`;
  await postJson(url, { sha256: Array.from({ length: n }, randomDigest) }, headers); // warm-up
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const digests = Array.from({ length: n }, randomDigest);
    const res = await postJson(url, { sha256: digests }, headers);
    if (!Array.isArray(res.json.missing) || res.json.missing.length !== n) {
      throw new ProductFailure(`blobs/missing answered ${res.json.missing?.length} missing of ${n} unknown digests`);
    }
    best = Math.min(best, res.seconds);
  }
  return { perSecond: n / best, seconds: best };
}

/** `n` new file records of random digests at distinct paths (`tag` and `batch` name them), as a scan sends them. */
function records(tag, batch, n) {
  const now = Date.now() / 1000;
  return Array.from({ length: n }, (_, i) => ({
    filepath: `/srv/bench/${tag}/b${batch}/d${i % 50}/file-${i}.dat`,
    hostname: 'bench-host',
    sha256: randomDigest(),
    size: randomInt(0, 1 << 30),
    mode: 0o100644,
    uid: 1000,
    gid: 1000,
    mtime: now - randomInt(0, 1e6),
    atime: now,
    ctime: now - randomInt(0, 1e6),
  }));
}

/** POSTs one batch of records to `server`; seconds until its answer ended. Every record must be answered `created`. */
async function postBatch(server, files) {
  const res = await postJson(`${server.url}/api/v1/files/batch`, { files }, { 'x-api-key': server.adminKey });
  const results = res.json.results;
  if (!Array.isArray(results) || results.length !== files.length || results.some((r) => r.status !== 'created')) {
    throw new ProductFailure(`files/batch did not answer ${files.length} created results`);
  }
  return res.seconds;
}

/**
 * POST /api/v1/files/batch: one warm-up batch, then `batches` batches of `n` new records (distinct paths),
 * sent one after another; records/s over the whole timed series.
 */
async function measureBatch(server, n, batches, tag = randomBytes(4).toString('hex')) {
  await postBatch(server, records(tag, 'warm', n));
  const bodies = Array.from({ length: batches }, (_, b) => records(tag, b, n));
  let seconds = 0;
  for (const files of bodies) seconds += await postBatch(server, files);
  return { perSecond: (n * batches) / seconds, seconds };
}

module.exports = { measureMissing, measureBatch, postBatch, records };

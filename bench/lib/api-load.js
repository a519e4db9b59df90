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

/**
 * POST /api/v1/files/batch: one warm-up batch, then `batches` batches of `n` new records (distinct paths),
 * sent one after another; records/s over the whole timed series.
 */
async function measureBatch(server, n, batches, tag = randomBytes(4).toString('hex')) {
  const headers = { 'x-api-key': server.adminKey };
  const url = `${server.url}/api/v1/files/batch`;
  await postJson(url, { files: records(tag, 'warm', n) }, headers);
  const bodies = Array.from({ length: batches }, (_, b) => ({ files: records(tag, b, n) }));
  let seconds = 0;
  for (const body of bodies) {
    const res = await postJson(url, body, headers);
    const results = res.json.results;
    if (!Array.isArray(results) || results.length !== n || results.some((r) => r.status !== 'created')) {
      throw new ProductFailure(`files/batch did not answer ${n} created results`);
    }
    seconds += res.seconds;
  }
  return { perSecond: (n * batches) / seconds, seconds };
}

module.exports = { measureMissing, measureBatch, records };

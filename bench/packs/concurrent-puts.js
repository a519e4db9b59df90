'use strict';
// Issue 15: many small PUT /api/v1/blobs/<sha> at once, with the default configuration and with the loose layout
// (HOARD_PACK_THRESHOLD=0, standing for today's layout), each into a fresh server: latency percentiles and blobs/s.
const { createHash, randomBytes } = require('node:crypto');
const http = require('node:http');
const { removeDir } = require('../lib/cleanup');
const { startHoardServer } = require('../lib/hoard-server');
const { request } = require('../lib/http-client');
const { log } = require('../lib/log');
const { addRow, ProductFailure } = require('../lib/report');

const G = 'packs';

function concurrentPutRows(scale) {
  const what = `${scale.concurrentPuts.toLocaleString('en-US')} concurrent ${scale.concurrentPutBytes / 1024} KiB PUTs`;
  return { p99: `${what}: p99`, p50: `${what}: p50`, rate: `${what}: throughput` };
}

/** The value at quantile `q` of sorted `values` (nearest rank). */
function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/**
 * Starts a fresh server with `env`, opens `count` keep-alive connections (so that the measurement is of the PUTs,
 * not of a burst of connects against the listen backlog), then sends `count` PUTs of distinct random blobs at once,
 * one per connection. Every one must answer 201.
 */
async function putBurst(scale, env, label, keep) {
  const count = scale.concurrentPuts;
  // The upload caps (64 per key, 256 in all by default) would refuse most of the burst.
  const caps = { HOARD_MAX_UPLOADS: String(count), HOARD_MAX_UPLOADS_PER_KEY: String(count) };
  const server = await startHoardServer({ env: { ...caps, ...env }, label: `puts-${label}` });
  keep.push(server.dataDir);
  const via = new http.Agent({ keepAlive: true, maxSockets: count, maxFreeSockets: count });
  try {
    const warm = await Promise.all(Array.from({ length: count }, () => request(`${server.url}/health`, { via })));
    if (warm.some((r) => r.status !== 200)) throw new ProductFailure(`${label}: /health did not answer 200 on every connection`);
    const blobs = Array.from({ length: count }, () => randomBytes(scale.concurrentPutBytes));
    const headers = {
      'content-type': 'application/octet-stream',
      'content-length': String(scale.concurrentPutBytes),
      'x-api-key': server.adminKey,
    };
    const started = process.hrtime.bigint();
    const answers = await Promise.all(
      blobs.map((blob) =>
        request(`${server.url}/api/v1/blobs/${createHash('sha256').update(blob).digest('hex')}`, {
          method: 'PUT',
          headers,
          body: blob,
          via,
        }),
      ),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const refused = answers.filter((r) => r.status !== 201);
    if (refused.length) {
      const statuses = [...new Set(refused.map((r) => r.status))].join(', ');
      throw new ProductFailure(`${label}: ${refused.length} of ${count} PUTs answered ${statuses}: ${refused[0].text.slice(0, 200)}`);
    }
    const ms = answers.map((r) => r.seconds * 1000).sort((a, b) => a - b);
    const result = { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), rate: count / seconds };
    log(G, `${label}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ${result.rate.toFixed(0)} blobs/s`);
    return result;
  } finally {
    via.destroy();
    await server.stop({ keepData: true });
  }
}

/** (d): the default configuration beside the loose layout, one burst each into a fresh server. */
async function concurrentPuts(scale) {
  const rows = concurrentPutRows(scale);
  // Both data directories are removed only at the end: a thousand inodes freed just before would slow the second.
  const keep = [];
  let packed;
  let loose;
  try {
    packed = await putBurst(scale, {}, 'default', keep);
    loose = await putBurst(scale, { HOARD_PACK_THRESHOLD: '0' }, 'loose', keep);
  } finally {
    for (const dir of keep) removeDir(dir);
  }
  const ref = (value) => ({ label: 'HOARD_PACK_THRESHOLD=0 (loose)', value });
  const note = 'one burst each into a fresh server, connections opened beforehand; upload caps raised to the burst size';
  addRow({
    group: G,
    name: rows.p99,
    value: packed.p99,
    unit: 'ms',
    ref: ref(loose.p99),
    ratio: packed.p99 / loose.p99,
    bar: { text: '< 50 ms', pass: packed.p99 < 50 },
    note,
  });
  addRow({ group: G, name: rows.p50, value: packed.p50, unit: 'ms', ref: ref(loose.p50), ratio: packed.p50 / loose.p50 });
  const ratio = packed.rate / loose.rate;
  addRow({
    group: G,
    name: rows.rate,
    value: packed.rate,
    unit: 'blobs/s',
    ref: ref(loose.rate),
    ratio,
    bar: { text: '>= 5.00x', pass: ratio >= 5 },
    note: 'blobs / time from the first request to the last answer',
  });
}

module.exports = { concurrentPutRows, concurrentPuts };

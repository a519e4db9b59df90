'use strict';
// Issue 2: PUT and GET of a large blob beside dd and nginx, and the batch JSON routes, on the embedded defaults.
const { existsSync, rmSync } = require('node:fs');
const path = require('node:path');
const { tempDir, removeDir } = require('./lib/cleanup');
const { writeRandomFile } = require('./lib/data-gen');
const { putFile, getDiscard } = require('./lib/http-client');
const { startHoardServer } = require('./lib/hoard-server');
const { log, bytes, MiB } = require('./lib/log');
const { startNginx } = require('./lib/nginx-server');
const { runTimed } = require('./lib/proc');
const { addRow, ProductFailure } = require('./lib/report');
const { RssSampler } = require('./lib/rss-sampler');
const { measure } = require('./lib/step');
const { measureMissing, measureBatch } = require('./lib/api-load');
const { measureKeylessFlood, measureManyKeys, measureHealthUnderLoad } = require('./lib/hostile-load');
const { measureStart } = require('./lib/start-time');

const G = 'server';
const mbps = (size, seconds) => size / MiB / seconds;

/** Starts a fresh server, PUTs the blob while sampling the server's RSS; returns the server (kept running). */
async function putOnce(file, sha, size, env = {}) {
  const server = await startHoardServer({ env, label: 'put' });
  await runTimed('sync', []);
  const sampler = new RssSampler(server.pid);
  let res;
  try {
    res = await putFile(`${server.url}/api/v1/blobs/${sha}`, file, { 'x-api-key': server.adminKey });
  } finally {
    sampler.stop();
  }
  if (res.status !== 201) {
    await server.stop();
    throw new ProductFailure(`PUT answered ${res.status}: ${res.text.slice(0, 200)}`);
  }
  return { server, seconds: res.seconds, peakRss: sampler.peak };
}

async function ddOnce(file, dir) {
  const out = path.join(dir, 'dd.out');
  await runTimed('sync', []);
  const { seconds } = await runTimed('dd', [`if=${file}`, `of=${out}`, 'bs=1M', 'conv=fsync']);
  rmSync(out, { force: true });
  return seconds;
}

/** The blob's file in the server's local-fs store. */
function blobFile(server, sha) {
  const file = path.join(server.dataDir, 'blobs', sha.slice(0, 2), sha);
  if (!existsSync(file)) throw new ProductFailure(`stored blob not found at ${file}`);
  return file;
}

async function run(scale) {
  const work = tempDir('server');
  const size = scale.blobBytes;
  let server = null;
  try {
    log(G, `writing a ${bytes(size)} random file`);
    const file = path.join(work, 'blob.bin');
    const sha = await writeRandomFile(file, size, 'server-blob');
    log(G, `sha256 ${sha}`);

    await measure(G, ['npm start -> /health'], async () => {
      log(G, 'npm start on the built tree, and node dist/apps/server/src/main.js, until /health answers: median of 5 each');
      const start = await measureStart(5);
      addRow({
        group: G,
        name: 'npm start -> /health',
        value: start.npmStart,
        unit: 's',
        ref: { label: 'node dist/.../main.js', value: start.node },
        ratio: start.npmStart / start.node,
        bar: { text: '< 3 s', pass: start.npmStart < 3 },
        note: `median of ${start.rounds} launches each, taking turns; fresh data dir each`,
      });
    });

    await measure(G, [`PUT ${bytes(size)} throughput`, 'PUT server peak RSS'], async () => {
      let bestPut = Infinity;
      let bestDd = Infinity;
      let peak = 0;
      for (let i = 1; i <= scale.repeats; i++) {
        const dd = await ddOnce(file, work);
        bestDd = Math.min(bestDd, dd);
        log(G, `dd bs=1M conv=fsync round ${i}/${scale.repeats}: ${mbps(size, dd).toFixed(0)} MiB/s`);
        if (server) await server.stop();
        server = null;
        const put = await putOnce(file, sha, size);
        server = put.server;
        bestPut = Math.min(bestPut, put.seconds);
        peak = Math.max(peak, put.peakRss);
        log(
          G,
          `PUT round ${i}/${scale.repeats}: ${mbps(size, put.seconds).toFixed(0)} MiB/s, server peak RSS ${(put.peakRss / MiB).toFixed(0)} MiB`,
        );
      }
      const ratio = bestDd / bestPut;
      addRow({
        group: G,
        name: `PUT ${bytes(size)} throughput`,
        value: mbps(size, bestPut),
        unit: 'MiB/s',
        ref: { label: 'dd bs=1M conv=fsync', value: mbps(size, bestDd) },
        ratio,
        bar: { text: '>= 0.80x', pass: ratio >= 0.8 },
        note: `best of ${scale.repeats}, fresh server each round`,
      });
      addRow({
        group: G,
        name: 'PUT server peak RSS',
        value: peak / MiB,
        unit: 'MiB',
        bar: { text: '< 200 MiB', pass: peak < 200 * MiB },
        note: 'VmRSS sampled every 100 ms; highest of all rounds',
      });
    });

    await measure(G, [`GET ${bytes(size)} throughput`], async () => {
      if (!server) server = (await putOnce(file, sha, size)).server;
      const nginx = await startNginx({ [sha]: blobFile(server, sha) });
      try {
        const hoardGet = () => getDiscard(`${server.url}/api/v1/blobs/${sha}`, { 'x-api-key': server.adminKey });
        const nginxGet = () => getDiscard(`${nginx.url}/${sha}`);
        const check = (res, who) => {
          if (res.status !== 200 || res.bytes !== size)
            throw new ProductFailure(`${who} GET answered ${res.status} with ${res.bytes} bytes`);
          return res.seconds;
        };
        log(G, 'GET warm-up (hoard, nginx)');
        check(await hoardGet(), 'hoard');
        check(await nginxGet(), 'nginx');
        let bestHoard = Infinity;
        let bestNginx = Infinity;
        for (let i = 1; i <= scale.repeats; i++) {
          const h = check(await hoardGet(), 'hoard');
          const n = check(await nginxGet(), 'nginx');
          bestHoard = Math.min(bestHoard, h);
          bestNginx = Math.min(bestNginx, n);
          log(G, `GET round ${i}/${scale.repeats}: hoard ${mbps(size, h).toFixed(0)} MiB/s, nginx ${mbps(size, n).toFixed(0)} MiB/s`);
        }
        const ratio = bestNginx / bestHoard;
        addRow({
          group: G,
          name: `GET ${bytes(size)} throughput`,
          value: mbps(size, bestHoard),
          unit: 'MiB/s',
          ref: { label: 'nginx sendfile', value: mbps(size, bestNginx) },
          ratio,
          bar: { text: '>= 0.70x', pass: ratio >= 0.7 },
          note: `best of ${scale.repeats} after one warm-up each; same client`,
        });
      } finally {
        await nginx.stop();
      }
    });

    await measure(G, [`blobs/missing (${scale.missingDigests} digests)`, `files/batch (${scale.batchRecords} records)`], async () => {
      if (!server) server = await startHoardServer({ label: 'api' });
      log(G, `POST /api/v1/blobs/missing with ${scale.missingDigests} digests, best of ${scale.missingRepeats}`);
      const missing = await measureMissing(server, scale.missingDigests, scale.missingRepeats);
      addRow({
        group: G,
        name: `blobs/missing (${scale.missingDigests} digests)`,
        value: missing.perSecond,
        unit: 'digests/s',
        note: `best of ${scale.missingRepeats}: ${(missing.seconds * 1000).toFixed(0)} ms per request`,
      });
      log(G, `POST /api/v1/files/batch: ${scale.batchCount} batches of ${scale.batchRecords} new records`);
      const batch = await measureBatch(server, scale.batchRecords, scale.batchCount);
      addRow({
        group: G,
        name: `files/batch (${scale.batchRecords} records)`,
        value: batch.perSecond,
        unit: 'records/s',
        bar: { text: '>= 10,000/s', pass: batch.perSecond >= 10_000 },
        note: `SQLite; ${scale.batchCount} sequential batches of distinct paths after one warm-up`,
      });
    });

    await measure(G, ['keyless 8 MB body -> 401', 'keyless 401 answer size', '950,000 keys -> 4xx', '/health p99 under load'], async () => {
      if (!server) server = await startHoardServer({ label: 'api' });
      log(G, 'keyless 8 MB bodies to each bulk route, three times each');
      const flood = await measureKeylessFlood(server);
      addRow({
        group: G,
        name: 'keyless 8 MB body -> 401',
        value: flood.slowestMs,
        unit: 'ms',
        bar: { text: '< 100 ms', pass: flood.slowestMs < 100 },
        note: 'slowest of 9: /blobs/missing, /files/batch, /files/seen',
      });
      addRow({
        group: G,
        name: 'keyless 401 answer size',
        value: flood.largestBytes,
        unit: 'bytes',
        bar: { text: '< 1 KiB', pass: flood.largestBytes < 1024 },
        note: 'status line, headers and body',
      });
      log(G, 'a 16 MiB object of 950,000 keys with a key');
      const keys = await measureManyKeys(server);
      addRow({
        group: G,
        name: '950,000 keys -> 4xx',
        value: keys,
        unit: 'ms',
        bar: { text: '< 1000 ms', pass: keys < 1000 },
        note: 'POST /api/v1/files, time to the whole answer',
      });
      log(G, '/health every 100 ms beside 50 connections posting 10,000 digests to /blobs/missing');
      const load = await measureHealthUnderLoad(server);
      addRow({
        group: G,
        name: '/health p99 under load',
        value: load.p99Ms,
        unit: 'ms',
        bar: { text: '< 1000 ms', pass: load.p99Ms < 1000 },
        note: `${load.probes} probes over 10 s, slowest ${load.maxMs.toFixed(0)} ms; ${load.checks} checks answered (shed ones included)`,
      });
    });
  } finally {
    if (server) await server.stop();
    removeDir(work);
  }
}

module.exports = { run };

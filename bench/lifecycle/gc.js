'use strict';
// Issue 16, garbage collection: a store of small loose blobs of which half have no record, collected by a gc job,
// beside `xargs rm` of the same files in a copy of the store; and POST /files/batch while the gc runs, beside the
// same server idle.
const { existsSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { measureBatch, records } = require('../lib/api-load');
const { tempDir } = require('../lib/cleanup');
const { smallDistinctBlob } = require('../lib/data-gen');
const { request } = require('../lib/http-client');
const { startHoardServer } = require('../lib/hoard-server');
const { log } = require('../lib/log');
const { runTimed } = require('../lib/proc');
const { addRow, ProductFailure } = require('../lib/report');
const { fileRecord, pause, recordFiles, retryAfter, runJob, storeSmallBlobs } = require('./api');

const G = 'lifecycle';
const n = (v) => v.toLocaleString('en-US');
const BATCH = 1000; // records per files/batch request
const IDLE_BATCHES = 10;

function gcRows(scale) {
  return {
    time: `gc of ${n(scale.gcBlobs)} blobs, ${n(scale.gcUnreferenced)} unreferenced`,
    batch: 'files/batch during gc',
  };
}

/** The blobs of the store. */
const gcBlob = (i) => smallDistinctBlob('gc', i);

/**
 * Sends batches of new records one after another until `isOver()`, each answer's time and start kept. A batch the
 * server sheds (`503`, `429`) is sent again after its Retry-After, the wait counted in its time: what a client sees.
 */
async function batchesDuring(server, isOver) {
  const headers = { 'x-api-key': server.adminKey, 'content-type': 'application/json' };
  const sent = [];
  for (let b = 0; !isOver(); b++) {
    const payload = Buffer.from(JSON.stringify({ files: records('during-gc', b, BATCH) }));
    const startedAt = Date.now();
    const started = process.hrtime.bigint();
    for (;;) {
      const res = await request(`${server.url}/api/v1/files/batch`, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(payload.length) },
        body: payload,
      });
      if (res.status === 503 || res.status === 429) {
        await pause(retryAfter(res));
        continue;
      }
      if (res.status !== 200) throw new ProductFailure(`files/batch during gc answered ${res.status}: ${res.text.slice(0, 300)}`);
      break;
    }
    sent.push({ startedAt, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
  }
  return sent;
}

async function gcScenario(scale) {
  const rows = gcRows(scale);
  // Grace 0: content unreferenced now is collected now. Loose blobs (no packs): each is one file, as the
  // reference's are, so that both delete the same files.
  const env = { HOARD_GC_GRACE_SECONDS: '0', HOARD_PACK_THRESHOLD: '0' };
  const server = await startHoardServer({ env, label: 'gc' });
  try {
    // An empty dry run first: a server without gc reports N/A before the store is filled.
    await runJob(server, { type: 'gc', dry_run: true });
    const count = scale.gcBlobs;
    const unreferenced = scale.gcUnreferenced;
    log(G, `storing ${n(count)} small loose blobs, recording ${n(count - unreferenced)} of them`);
    const sizes = new Array(count);
    const digests = await storeSmallBlobs(server, count, (i) => {
      const blob = gcBlob(i);
      sizes[i] = blob.length;
      return blob;
    });
    const referenced = [];
    for (let i = unreferenced; i < count; i++) referenced.push(fileRecord('gc-bench', `/gc/${i}.bin`, digests[i], sizes[i]));
    await recordFiles(server, referenced);
    const blobFile = (root, sha) => path.join(root, sha.slice(0, 2), sha);
    const blobs = path.join(server.dataDir, 'blobs');
    const missing = digests.filter((sha) => !existsSync(blobFile(blobs, sha)));
    if (missing.length) throw new ProductFailure(`${missing.length} stored blobs are not at <data>/blobs/<sha[0:2]>/<sha>`);

    // The reference: the same files in a copy of the blob directory, removed by xargs rm, then made durable.
    const work = tempDir('gc-ref');
    const copy = path.join(work, 'blobs');
    await runTimed('cp', ['-a', blobs, copy]);
    const list = path.join(work, 'unreferenced.txt');
    writeFileSync(
      list,
      digests
        .slice(0, unreferenced)
        .map((sha) => blobFile(copy, sha))
        .join('\n') + '\n',
    );
    await runTimed('sync', []);
    const rm = await runTimed('sh', ['-c', 'xargs rm -f < "$1"', 'sh', list]);
    // For the note: making those removals durable, one fsync per directory (sync with names syncs only them).
    const dirs = [...new Set(digests.slice(0, unreferenced).map((sha) => path.join(copy, sha.slice(0, 2))))];
    const durable = await runTimed('sync', dirs);
    log(
      G,
      `xargs rm of ${n(unreferenced)} files: ${rm.seconds.toFixed(2)} s, then sync of their ${dirs.length} directories ${durable.seconds.toFixed(2)} s`,
    );

    const idle = await measureBatch(server, BATCH, IDLE_BATCHES, 'idle-gc');
    log(G, `files/batch idle: ${n(Math.round(idle.perSecond))} records/s`);

    await runTimed('sync', []);
    let sent = [];
    const { job, seconds, endedAt } = await runJob(
      server,
      { type: 'gc' },
      { whileRunning: async (isOver) => (sent = await batchesDuring(server, isOver)) },
    );
    log(G, `gc: ${seconds.toFixed(2)} s, ${JSON.stringify(job.result)}`);
    if (job.result?.blobs_removed !== unreferenced) {
      throw new ProductFailure(
        `gc removed ${job.result?.blobs_removed} blobs, not the ${unreferenced} unreferenced: ${JSON.stringify(job.result)}`,
      );
    }
    const wrong = digests.filter((sha, i) => existsSync(blobFile(blobs, sha)) !== i >= unreferenced);
    if (wrong.length)
      throw new ProductFailure(`after gc, ${wrong.length} blobs are where they should not be (referenced gone or unreferenced left)`);

    const ratio = seconds / rm.seconds;
    addRow({
      group: G,
      name: rows.time,
      value: seconds,
      unit: 's',
      ref: { label: `xargs rm of the same ${n(unreferenced)} files`, value: rm.seconds },
      ratio,
      bar: { text: '<= 3.00x', pass: ratio <= 3 },
      note: `HOARD_GC_GRACE_SECONDS=0 and HOARD_PACK_THRESHOLD=0 (loose blobs of 1-4 KiB, a file each, as the reference's); from the job's created_at to its ended_at, while files/batch was being posted; xargs rm in a copy of the blob directory (cp -a), page cache warm for both; making its removals durable took ${durable.seconds.toFixed(2)} s more (sync of the ${dirs.length} directories); one round each`,
    });
    // The batches started before the gc ended (by the server's clock, the same machine's).
    const during = sent.filter((b) => b.startedAt < endedAt);
    if (during.length === 0) throw new ProductFailure('no files/batch request was started while the gc ran');
    const rate = (during.length * BATCH) / during.reduce((sum, b) => sum + b.seconds, 0);
    addRow({
      group: G,
      name: rows.batch,
      value: rate,
      unit: 'records/s',
      ref: { label: `the same server idle, ${IDLE_BATCHES} batches`, value: idle.perSecond },
      ratio: rate / idle.perSecond,
      bar: { text: '>= 0.50x', pass: rate / idle.perSecond >= 0.5 },
      note: `batches of ${BATCH} new records sent one after another while the gc ran, the ${during.length} started before its end counted (a batch shed with 503 is sent again after its Retry-After, the wait counted)`,
    });
  } finally {
    await server.stop();
  }
}

module.exports = { gcRows, gcScenario };

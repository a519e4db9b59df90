'use strict';
// Issue 17 (objects and resumable uploads): an object PUT beside a blob PUT of the same bytes, a tus upload in 8 MiB
// PATCHes beside the same blob PUT, and a tus upload whose connection is cut three times at random points. Every
// round runs on a fresh server; the best round of each is taken.
const { createReadStream } = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { tempDir, removeDir } = require('./lib/cleanup');
const { writeRandomFile } = require('./lib/data-gen');
const { putFile, request } = require('./lib/http-client');
const { startHoardServer } = require('./lib/hoard-server');
const { log, bytes, MiB } = require('./lib/log');
const { runTimed } = require('./lib/proc');
const { addRow, ProductFailure } = require('./lib/report');
const { RssSampler } = require('./lib/rss-sampler');
const { measure } = require('./lib/step');

const G = 'objects';
const TUS = { 'tus-resumable': '1.0.0' };
const PATCH_BYTES = 8 * MiB;
const CUTS = 3;
const mbps = (size, seconds) => size / MiB / seconds;
const b64 = (text) => Buffer.from(text).toString('base64');

/** A fresh server, synced disks, and one timed upload `fn(server)` while the server's RSS is sampled. */
async function onFreshServer(label, fn) {
  const server = await startHoardServer({ label });
  try {
    await runTimed('sync', []);
    const sampler = new RssSampler(server.pid);
    const started = process.hrtime.bigint();
    try {
      await fn(server);
    } finally {
      sampler.stop();
    }
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRss: sampler.peak };
  } finally {
    await server.stop();
  }
}

function expectStatus(res, status, what) {
  if (res.status !== status) throw new ProductFailure(`${what} answered ${res.status}: ${res.text.slice(0, 200)}`);
  return res;
}

/** Creates a tus upload of `size` bytes of content `sha`; returns its path. */
async function createUpload(server, sha, size) {
  const res = await request(`${server.url}/api/v1/uploads`, {
    method: 'POST',
    headers: { ...TUS, 'x-api-key': server.adminKey, 'upload-length': String(size), 'upload-metadata': `sha256 ${b64(sha)}` },
  });
  expectStatus(res, 201, 'tus creation');
  return new URL(res.headers.location, server.url).pathname;
}

async function uploadOffset(server, upload) {
  const res = expectStatus(
    await request(`${server.url}${upload}`, { method: 'HEAD', headers: { ...TUS, 'x-api-key': server.adminKey } }),
    200,
    'tus HEAD',
  );
  return Number(res.headers['upload-offset']);
}

/** One PATCH of `file`'s bytes [offset, end) streamed from disk; resolves with the answer. */
function patch(server, upload, file, offset, end) {
  return request(`${server.url}${upload}`, {
    method: 'PATCH',
    headers: {
      ...TUS,
      'x-api-key': server.adminKey,
      'content-type': 'application/offset+octet-stream',
      'upload-offset': String(offset),
      'content-length': String(end - offset),
    },
    body: createReadStream(file, { start: offset, end: end - 1, highWaterMark: MiB }),
  });
}

/** The whole file through tus in PATCHes of `PATCH_BYTES`. */
async function tusUpload(server, file, sha, size) {
  const upload = await createUpload(server, sha, size);
  for (let offset = 0; offset < size; offset += PATCH_BYTES) {
    const end = Math.min(size, offset + PATCH_BYTES);
    const res = await patch(server, upload, file, offset, end);
    expectStatus(res, 204, `tus PATCH at ${offset}`);
  }
}

/**
 * Sends [offset, size) in one PATCH on a connection of its own and destroys the socket once `cutAfter` bytes of the
 * body were handed to it. Resolves with the body bytes written to the socket (what the server can have received).
 */
function cutPatch(server, upload, file, offset, size, cutAfter) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${upload}`, {
      method: 'PATCH',
      agent: false,
      headers: {
        ...TUS,
        'x-api-key': server.adminKey,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': String(offset),
        'content-length': String(size - offset),
      },
    });
    let written = 0;
    let cut = false;
    const source = createReadStream(file, { start: offset, highWaterMark: MiB });
    req.on('error', () => {
      if (cut) resolve(written);
      else reject(new ProductFailure(`PATCH at ${offset} failed before the cut`));
    });
    req.on('response', (res) => {
      res.resume();
      reject(new ProductFailure(`PATCH at ${offset} answered ${res.statusCode} before the cut`));
    });
    source.on('data', (chunk) => {
      const room = cutAfter - written;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      written += part.length;
      if (!req.write(part)) {
        source.pause();
        req.once('drain', () => source.resume());
      }
      if (written >= cutAfter) {
        cut = true;
        source.destroy();
        req.destroy();
      }
    });
  });
}

/** A tus upload cut `CUTS` times at random points, each time resumed from the server's offset. */
async function cutUpload(server, file, sha, size) {
  const upload = await createUpload(server, sha, size);
  let sent = 0;
  let offset = 0;
  for (let i = 0; i < CUTS; i++) {
    const left = size - offset;
    // A random point in the middle three fifths of what is left, so that every cut falls inside the content.
    const cutAfter = Math.floor(left * (0.2 + Math.random() * 0.6));
    sent += await cutPatch(server, upload, file, offset, size, cutAfter);
    // The server notices the cut connection and keeps what it flushed; it answers HEAD with that offset.
    offset = await uploadOffset(server, upload);
  }
  const res = await patch(server, upload, file, offset, size);
  expectStatus(res, 204, `tus PATCH at ${offset} after ${CUTS} cuts`);
  sent += size - offset;
  const got = await request(`${server.url}/api/v1/blobs/${sha}`, { method: 'HEAD', headers: { 'x-api-key': server.adminKey } });
  expectStatus(got, 200, 'HEAD of the uploaded blob');
  return sent;
}

async function run(scale) {
  const work = tempDir('objects');
  const size = scale.blobBytes;
  try {
    log(G, `writing a ${bytes(size)} random file`);
    const file = path.join(work, 'object.bin');
    const sha = await writeRandomFile(file, size, 'objects-blob');
    const blobPut = (server) =>
      putFile(`${server.url}/api/v1/blobs/${sha}`, file, { 'x-api-key': server.adminKey }).then((r) => expectStatus(r, 201, 'blob PUT'));
    const objectPut = (server) =>
      putFile(`${server.url}/api/v1/objects/bench/object.bin`, file, { 'x-api-key': server.adminKey }).then((r) =>
        expectStatus(r, 201, 'object PUT'),
      );
    const names = [`object PUT ${bytes(size)}`, 'object PUT server peak RSS', `tus ${bytes(size)} in 8 MiB PATCHes`];
    await measure(G, names, async () => {
      const best = { blob: Infinity, object: Infinity, tus: Infinity };
      let objectRss = 0;
      for (let i = 1; i <= scale.repeats; i++) {
        const blob = await onFreshServer('blob-put', blobPut);
        const object = await onFreshServer('object-put', objectPut);
        const tus = await onFreshServer('tus', (server) => tusUpload(server, file, sha, size));
        best.blob = Math.min(best.blob, blob.seconds);
        best.object = Math.min(best.object, object.seconds);
        best.tus = Math.min(best.tus, tus.seconds);
        objectRss = Math.max(objectRss, object.peakRss);
        log(
          G,
          `round ${i}/${scale.repeats}: blob PUT ${mbps(size, blob.seconds).toFixed(0)} MiB/s, object PUT ` +
            `${mbps(size, object.seconds).toFixed(0)} MiB/s (RSS ${(object.peakRss / MiB).toFixed(0)} MiB), tus ${mbps(size, tus.seconds).toFixed(0)} MiB/s`,
        );
      }
      const ref = { label: `PUT /api/v1/blobs/{sha}`, value: mbps(size, best.blob) };
      const note = `best of ${scale.repeats}, fresh server each, taking turns`;
      const objectRatio = best.blob / best.object;
      addRow({
        group: G,
        name: names[0],
        value: mbps(size, best.object),
        unit: 'MiB/s',
        ref,
        ratio: objectRatio,
        bar: { text: '>= 0.80x', pass: objectRatio >= 0.8 },
        note: `no digest sent: the server hashes as it stores; ${note}`,
      });
      addRow({
        group: G,
        name: names[1],
        value: objectRss / MiB,
        unit: 'MiB',
        bar: { text: '< 200 MiB', pass: objectRss < 200 * MiB },
        note: 'VmRSS sampled every 100 ms; highest of all rounds',
      });
      const tusRatio = best.blob / best.tus;
      addRow({
        group: G,
        name: names[2],
        value: mbps(size, best.tus),
        unit: 'MiB/s',
        ref,
        ratio: tusRatio,
        bar: { text: '>= 0.70x', pass: tusRatio >= 0.7 },
        note: `creation, then ${Math.ceil(size / PATCH_BYTES)} PATCHes one after another; ${note}`,
      });
    });

    const cutName = `tus ${bytes(size)} cut ${CUTS} times: bytes sent`;
    await measure(G, [cutName], async () => {
      let sent = 0;
      await onFreshServer('tus-cut', async (server) => {
        sent = await cutUpload(server, file, sha, size);
      });
      const ratio = sent / size;
      addRow({
        group: G,
        name: cutName,
        value: sent / MiB,
        unit: 'MiB',
        ref: { label: 'the file', value: size / MiB },
        ratio,
        bar: { text: '<= 1.10x', pass: ratio <= 1.1 },
        note: 'body bytes written to the connections (an upper bound of what the server received); completed and verified',
      });
    });
  } finally {
    removeDir(work);
  }
}

module.exports = { run };

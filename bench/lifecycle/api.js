'use strict';
// What the lifecycle scenarios ask of a server: storing content (large blobs streamed, small ones in packs),
// recording files, setting retention rules, and running a maintenance job to its end (API.md "Lifecycle").
const { createHash, randomBytes } = require('node:crypto');
const { seededDigest, seededStream } = require('../lib/data-gen');
const { request } = require('../lib/http-client');
const { NotAvailable, ProductFailure } = require('../lib/report');

const PACK_MAX = 1000; // blobs in one POST /api/v1/blobs/pack (LIMITS.packMax)
const BATCH_MAX = 1000; // records in one POST /api/v1/files/batch
const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const adminHeaders = (server) => ({ 'x-api-key': server.adminKey });

async function json(server, method, path, body) {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers = {
    ...adminHeaders(server),
    ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
  };
  const res = await request(`${server.url}${path}`, { method, headers, body: payload });
  let parsed = null;
  try {
    parsed = res.text ? JSON.parse(res.text) : null;
  } catch {
    // not JSON: the caller looks at the status
  }
  return { status: res.status, headers: res.headers, json: parsed, text: res.text, seconds: res.seconds };
}

/** PUTs `size` bytes of `seed`'s keystream (its digest computed first, the body streamed); the digest. */
async function putSeeded(server, seed, size) {
  const sha = seededDigest(seed, size);
  const res = await request(`${server.url}/api/v1/blobs/${sha}`, {
    method: 'PUT',
    headers: { ...adminHeaders(server), 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: seededStream(seed, size),
  });
  if (res.status !== 201 && res.status !== 200)
    throw new ProductFailure(`PUT of a ${size}-byte blob answered ${res.status}: ${res.text.slice(0, 200)}`);
  return sha;
}

/** One multipart body of `blobs` (Buffers), each part named by its digest, as the CLI sends a pack. */
function packBody(blobs) {
  const boundary = `----hoardbench${randomBytes(12).toString('hex')}`;
  const parts = [];
  for (const blob of blobs) {
    const sha = sha256(blob);
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${sha}"; filename="${sha}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      blob,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { boundary, body: Buffer.concat(parts) };
}

/**
 * Stores the blobs `blobAt(0..count-1)` returns (small Buffers) through `POST /api/v1/blobs/pack`, 1,000 per
 * request, `parallel` requests at a time; every part must be stored. Returns the digests in order.
 */
async function storeSmallBlobs(server, count, blobAt, { parallel = 4, onProgress } = {}) {
  const digests = new Array(count);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + PACK_MAX);
      const blobs = [];
      for (let i = from; i < next; i++) blobs.push(blobAt(i));
      const { boundary, body } = packBody(blobs);
      const res = await request(`${server.url}/api/v1/blobs/pack`, {
        method: 'POST',
        headers: {
          ...adminHeaders(server),
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(body.length),
        },
        body,
      });
      const items = res.status === 200 ? JSON.parse(res.text).items : null;
      if (!Array.isArray(items) || items.length !== blobs.length || items.some((item) => item.error || !item.sha256)) {
        throw new ProductFailure(`POST /api/v1/blobs/pack answered ${res.status}: ${res.text.slice(0, 300)}`);
      }
      items.forEach((item, k) => (digests[from + k] = item.sha256));
      done += blobs.length;
      if (onProgress) onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return digests;
}

/**
 * Records `records` (FileMetadata) through `POST /api/v1/files/batch`, 1,000 at a time, each of which must be
 * answered `created` (a new version); records/s over the calls.
 */
async function recordFiles(server, records, { onProgress } = {}) {
  let seconds = 0;
  for (let from = 0; from < records.length; from += BATCH_MAX) {
    const files = records.slice(from, from + BATCH_MAX);
    const res = await json(server, 'POST', '/api/v1/files/batch', { files });
    if (res.status !== 200 || res.json?.results?.length !== files.length) {
      throw new ProductFailure(`files/batch answered ${res.status}: ${res.text.slice(0, 300)}`);
    }
    const other = res.json.results.find((r) => r.status !== 'created');
    if (other) throw new ProductFailure(`files/batch answered ${JSON.stringify(other)} for a new version`);
    seconds += res.seconds;
    if (onProgress) onProgress(from + files.length);
  }
  return { perSecond: records.length / seconds, seconds };
}

/** A file record of `sha`/`size` at `filepath` on `hostname`, as a scan sends it. */
function fileRecord(hostname, filepath, sha, size, mtime = Date.now() / 1000) {
  return { hostname, filepath, sha256: sha, size, mode: 0o100644, uid: 1000, gid: 1000, mtime, atime: mtime, ctime: mtime };
}

/** Replaces the retention rules (`PUT /api/v1/retention`); NotAvailable when the server has no retention yet. */
async function setRetention(server, rules) {
  const res = await json(server, 'PUT', '/api/v1/retention', { rules });
  if (res.status === 404 || res.status === 405)
    throw new NotAvailable('retention rules are not built on the server measured (PUT /api/v1/retention)');
  if (res.status !== 200) throw new ProductFailure(`PUT /api/v1/retention answered ${res.status}: ${res.text.slice(0, 300)}`);
}

/** Seconds to wait before asking again after a `503`/`429` (its Retry-After, at most `cap`). */
function retryAfter(res, cap = 5) {
  const seconds = Number(res.headers?.['retry-after']);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, cap) : 1;
}

const pause = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/**
 * Queues a job (`POST /api/v1/jobs`) and polls it every `pollMs` until it ends; a poll the server sheds (`503`,
 * `429`) is asked again after its Retry-After. NotAvailable when the server does not run jobs of that type yet;
 * ProductFailure when the job does not succeed. `whileRunning(isOver)`, when given, runs beside the polling (it
 * should return once `isOver()` is true). Returns the job as it ended, its seconds from creation to end by the
 * server's own times (whatever the polling), the epoch ms of its end, and how many polls were shed.
 */
async function runJob(server, body, { pollMs = 20, timeoutMs = 3_600_000, whileRunning } = {}) {
  const queued = await json(server, 'POST', '/api/v1/jobs', body);
  if (queued.status === 404 || (queued.status === 400 && /not a job this server runs/.test(queued.text))) {
    throw new NotAvailable(`${body.type} is not built on the server measured (POST /api/v1/jobs answered ${queued.status})`);
  }
  if (queued.status !== 202)
    throw new ProductFailure(`POST /api/v1/jobs ${JSON.stringify(body)} answered ${queued.status}: ${queued.text.slice(0, 300)}`);
  const id = queued.json.id;
  let job = queued.json;
  let over = false;
  let shed = 0;
  const beside = whileRunning ? whileRunning(() => over) : Promise.resolve();
  try {
    const deadline = Date.now() + timeoutMs;
    while (!FINAL.has(job.state)) {
      if (Date.now() > deadline)
        throw new ProductFailure(`the ${body.type} job did not end in ${timeoutMs / 1000} s: ${JSON.stringify(job)}`);
      await pause(pollMs / 1000);
      const res = await json(server, 'GET', `/api/v1/jobs/${id}`);
      if (res.status === 503 || res.status === 429) {
        shed++;
        await pause(retryAfter(res));
        continue;
      }
      if (res.status !== 200) throw new ProductFailure(`GET /api/v1/jobs/${id} answered ${res.status}: ${res.text.slice(0, 300)}`);
      job = res.json;
    }
  } finally {
    over = true;
    await beside.catch(() => undefined);
  }
  await beside;
  if (job.state !== 'succeeded')
    throw new ProductFailure(`the ${body.type} job ended ${job.state}: ${JSON.stringify(job.error ?? job.result)}`);
  const endedAt = Date.parse(job.ended_at);
  return { job, seconds: (endedAt - Date.parse(job.created_at)) / 1000, endedAt, shed };
}

module.exports = { putSeeded, storeSmallBlobs, recordFiles, fileRecord, setRetention, runJob, retryAfter, pause, sha256, json };

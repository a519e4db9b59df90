'use strict';
// Issue 19 (audit): what the audit trail costs on the request path, each figure beside the same work with the audit
// off in the same run (POST /files/batch of 1,000 records; a PUT of a large blob), and GET /api/v1/audit filtered by
// a digest over 1,000,000 entries beside an unfiltered page of the same log.
const { randomBytes } = require('node:crypto');
const path = require('node:path');
const { tempDir } = require('./lib/cleanup');
const { writeRandomFile } = require('./lib/data-gen');
const { putFile, request } = require('./lib/http-client');
const { startHoardServer } = require('./lib/hoard-server');
const { log, bytes, MiB } = require('./lib/log');
const { runTimed } = require('./lib/proc');
const { addRow, ProductFailure } = require('./lib/report');
const { measure } = require('./lib/step');
const { postBatch, records } = require('./lib/api-load');

const G = 'audit';
// Load shedding off on both sides: a busy machine's stall must not answer one side's request 503.
const ON = { HOARD_AUDIT: 'on', HOARD_MAX_EVENT_LOOP_DELAY_MS: '0' };
const OFF = { HOARD_AUDIT: 'off', HOARD_MAX_EVENT_LOOP_DELAY_MS: '0' };
/** Entries in the log the digest filter searches. */
const LOG_ENTRIES = 1_000_000;
/** Entries, among them, naming the digest looked for. */
const MATCHES = 20;
/** Timed requests of each kind of listing (the median is taken). */
const LISTINGS = 30;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Records/s with the audit on and off, batch by batch in turns: each batch of new records goes to one server, then
 * an equal batch to the other (which goes first alternates), so that both stores grow alike and a slow moment of a
 * shared machine falls on both. Each round is `batchCount` such pairs; the rate of each side is taken over every
 * round, and the ratio of the round is reported too.
 */
async function batchScenario(scale) {
  const name = `files/batch (${scale.batchRecords} records), audit on`;
  await measure(G, [name], async () => {
    const on = await startHoardServer({ env: ON, label: 'audit-on' });
    const off = await startHoardServer({ env: OFF, label: 'audit-off' });
    try {
      const n = scale.batchRecords;
      // Warm-up: one batch each.
      for (const server of [off, on]) await postBatch(server, records('warm', 'w', n));
      const total = { on: 0, off: 0 };
      let batches = 0;
      for (let i = 1; i <= scale.repeats; i++) {
        const round = { on: 0, off: 0 };
        for (let b = 0; b < scale.batchCount; b++) {
          const order = (b + i) % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
          for (const side of order) {
            const seconds = await postBatch(side === 'on' ? on : off, records(`r${i}`, `${side}${b}`, n));
            round[side] += seconds;
          }
        }
        total.on += round.on;
        total.off += round.off;
        batches += scale.batchCount;
        const rate = (seconds) => ((n * scale.batchCount) / seconds).toFixed(0);
        log(
          G,
          `batch round ${i}/${scale.repeats}: audit off ${rate(round.off)}/s, on ${rate(round.on)}/s (${(round.off / round.on).toFixed(3)}x)`,
        );
      }
      const rateOn = (n * batches) / total.on;
      const rateOff = (n * batches) / total.off;
      const ratio = rateOn / rateOff;
      addRow({
        group: G,
        name,
        value: rateOn,
        unit: 'records/s',
        ref: { label: 'audit off', value: rateOff },
        ratio,
        bar: { text: '>= 0.90x', pass: ratio >= 0.9 },
        note: `SQLite; ${batches} batches each, the two servers taking turns batch by batch (${scale.repeats} rounds of ${scale.batchCount}), rates over all of them`,
      });
    } finally {
      await on.stop();
      await off.stop();
    }
  });
}

/** One PUT of `file` on a fresh server with `env`; seconds. */
async function putOnce(file, sha, env) {
  const server = await startHoardServer({ env, label: 'audit-put' });
  try {
    await runTimed('sync', []);
    const res = await putFile(`${server.url}/api/v1/blobs/${sha}`, file, { 'x-api-key': server.adminKey });
    if (res.status !== 201) throw new ProductFailure(`PUT answered ${res.status}: ${res.text.slice(0, 200)}`);
    return res.seconds;
  } finally {
    await server.stop();
  }
}

async function putScenario(scale) {
  const size = scale.blobBytes;
  const name = `PUT ${bytes(size)}, audit on`;
  await measure(G, [name], async () => {
    const work = tempDir('audit-put');
    log(G, `writing a ${bytes(size)} random file`);
    const file = path.join(work, 'blob.bin');
    const sha = await writeRandomFile(file, size, 'audit-blob');
    const rounds = Math.min(scale.repeats, 3);
    let bestOn = Infinity;
    let bestOff = Infinity;
    for (let i = 1; i <= rounds; i++) {
      // The settings take turns at going first: neither always follows the other's removal of its data directory.
      const first = i % 2 === 1 ? OFF : ON;
      const second = first === OFF ? ON : OFF;
      const a = await putOnce(file, sha, first);
      const b = await putOnce(file, sha, second);
      const [off, on] = first === OFF ? [a, b] : [b, a];
      bestOff = Math.min(bestOff, off);
      bestOn = Math.min(bestOn, on);
      log(G, `PUT round ${i}/${rounds}: audit off ${(size / MiB / off).toFixed(0)} MiB/s, on ${(size / MiB / on).toFixed(0)} MiB/s`);
    }
    const ratio = bestOff / bestOn;
    addRow({
      group: G,
      name,
      value: size / MiB / bestOn,
      unit: 'MiB/s',
      ref: { label: 'audit off', value: size / MiB / bestOff },
      ratio,
      bar: { text: '>= 0.95x', pass: ratio >= 0.95 },
      note: `best of ${rounds}, fresh server each round, the two settings taking turns`,
    });
  });
}

/**
 * Fills the audit log of a stopped server's database with `LOG_ENTRIES` entries of one chain (one random digest
 * each; `MATCHES` of them spread through the log name `wanted`), as the server's own writes would, in one transaction.
 */
function fillLog(dataDir, wanted) {
  const Database = require('better-sqlite3');
  const db = new Database(path.join(dataDir, 'hoard.db'));
  try {
    const chain = randomBytes(10).toString('hex');
    const entry = db.prepare(
      `INSERT INTO audit_entries (id, chain, seq, at, request_id, key_id, key_name, ip, action, status, bytes, targets, count, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, 'key_bench', 'bench', '127.0.0.1', 'blob.get', 200, 4096, ?, 1, ?, ?)`,
    );
    // The index key of a digest: its first 8 bytes, as the server's SQLite store keys it.
    const target = db.prepare('INSERT OR IGNORE INTO audit_targets (k, n) VALUES (?, ?)');
    const keyOf = (digest) => BigInt.asIntN(64, BigInt(`0x${digest.slice(0, 16)}`));
    const start = Date.now() - LOG_ENTRIES * 10;
    const every = Math.floor(LOG_ENTRIES / MATCHES);
    db.transaction(() => {
      let prev = '0'.repeat(64);
      for (let seq = 1; seq <= LOG_ENTRIES; seq++) {
        const at = start + seq * 10;
        const id = `${String(at).padStart(13, '0')}-${chain}-${String(seq).padStart(12, '0')}`;
        const digest = seq % every === 0 ? wanted : randomBytes(32).toString('hex');
        const hash = randomBytes(32).toString('hex');
        const { lastInsertRowid } = entry.run(id, chain, seq, at, `req-${seq}`, JSON.stringify([{ sha256: digest }]), prev, hash);
        target.run(keyOf(digest), lastInsertRowid);
        prev = hash;
      }
      db.prepare('INSERT OR REPLACE INTO audit_heads (chain, seq, hash) VALUES (?, ?, ?)').run(chain, LOG_ENTRIES, prev);
    })();
  } finally {
    db.close();
  }
}

/** Median seconds of `LISTINGS` GETs of `url` after one warm-up, each checked with `check`. */
async function medianGet(url, key, check) {
  const get = async () => {
    const res = await request(url, { headers: { 'x-api-key': key } });
    if (res.status !== 200) throw new ProductFailure(`GET ${url} answered ${res.status}: ${res.text.slice(0, 200)}`);
    check(JSON.parse(res.text));
    return res.seconds;
  };
  await get();
  const times = [];
  for (let i = 0; i < LISTINGS; i++) times.push(await get());
  return median(times);
}

async function filterScenario() {
  const name = `GET /audit?sha256= over ${LOG_ENTRIES.toLocaleString('en-US')} entries`;
  await measure(G, [name], async () => {
    let server = await startHoardServer({ env: ON, label: 'audit-log' });
    try {
      const wanted = randomBytes(32).toString('hex');
      await server.stop({ keepData: true });
      log(G, `writing ${LOG_ENTRIES} audit entries into the stopped server's database`);
      fillLog(server.dataDir, wanted);
      server = await startHoardServer({
        env: { ...ON, HOARD_BOOTSTRAP_ADMIN_KEY: server.adminKey },
        label: 'audit-log',
        dataDir: server.dataDir,
      });
      const filtered = await medianGet(`${server.url}/api/v1/audit?sha256=${wanted}&limit=100`, server.adminKey, (page) => {
        if (page.items.length !== MATCHES) throw new ProductFailure(`the digest filter found ${page.items.length} of ${MATCHES} entries`);
      });
      const page = await medianGet(`${server.url}/api/v1/audit?limit=100`, server.adminKey, (p) => {
        if (p.items.length !== 100) throw new ProductFailure(`an unfiltered page held ${p.items.length} entries`);
      });
      addRow({
        group: G,
        name,
        value: filtered * 1000,
        unit: 'ms',
        ref: { label: 'newest page, unfiltered', value: page * 1000 },
        ratio: filtered / page,
        bar: { text: '< 50 ms', pass: filtered * 1000 < 50 },
        note: `SQLite; median of ${LISTINGS} after a warm-up; ${MATCHES} matches spread through the log`,
      });
    } finally {
      await server.stop();
    }
  });
}

async function run(scale) {
  await batchScenario(scale);
  await putScenario(scale);
  await filterScenario();
}

module.exports = { run };

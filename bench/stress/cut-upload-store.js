#!/usr/bin/env node
'use strict';
// The store-level scenario of a client that vanishes mid-upload, run many times: upload A gets one large chunk and
// its body fails; upload B starts right after A's put() settles. Every blob B committed must hash to its name.
//   node bench/stress/cut-upload-store.js [rounds=1000]      (HOARD_DIST=<dist dir> to test another build)
const { createHash, randomBytes } = require('node:crypto');
const { mkdtempSync, readFileSync, readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const { PassThrough } = require('node:stream');

const dist = path.resolve(process.env.HOARD_DIST ?? path.join(__dirname, '..', '..', 'dist'));
const { LocalFsBlobStore } = require(path.join(dist, 'libs', 'storage', 'src'));
const rounds = Number(process.argv[2] ?? 1000);
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');
const turns = (n) =>
  new Promise((resolve) =>
    (function next(k) {
      return k <= 0 ? resolve() : setImmediate(() => next(k - 1));
    })(n),
  );

async function run(nativeWrites) {
  const root = mkdtempSync(path.join(tmpdir(), 'hoard-cut-stress-'));
  const store = new LocalFsBlobStore({ root, nativeWrites });
  await store.init();
  const corrupt = [];
  let committed = 0;
  try {
    for (let i = 0; i < rounds; i++) {
      const a = randomBytes((2 + (i % 3)) << 20);
      const bodyA = new PassThrough();
      bodyA.on('error', () => undefined); // the store may not have attached its pipeline yet, as a server's body does
      const putA = store.put(sha(a), bodyA);
      bodyA.write(a);
      await turns(i % 7); // the write of A is queued, running or done when its client vanishes
      bodyA.destroy(new Error('the client went away'));
      await putA.catch(() => undefined);
      const b = randomBytes((1 << 20) + (i % 5) * 4096);
      const bodyB = new PassThrough();
      const putB = store.put(sha(b), bodyB, { expectedSize: b.length });
      bodyB.end(b);
      const stored = await putB;
      committed++;
      const file = path.join(root, stored.sha256.slice(0, 2), stored.sha256);
      const onDisk = readFileSync(file);
      if (sha(onDisk) !== stored.sha256) corrupt.push(`${stored.sha256}: ${onDisk.length} bytes on disk for ${b.length}`);
      await store.delete(stored.sha256);
    }
    const leftovers = readdirSync(path.join(root, '.tmp'));
    return { nativeWrites, rounds, committed, corrupt, leftovers };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

(async () => {
  const { available } = require(path.join(dist, '..', 'libs', 'native'));
  const results = [];
  for (const nativeWrites of available ? [true, false] : [false]) results.push(await run(nativeWrites));
  for (const r of results) {
    const how = r.nativeWrites ? 'native' : 'js';
    console.log(
      `${how} writes: ${r.rounds} rounds, ${r.committed} blobs committed, ${r.corrupt.length} corrupt, ${r.leftovers.length} temporary files left`,
    );
    for (const line of r.corrupt.slice(0, 10)) console.log(`  corrupt ${line}`);
  }
  process.exitCode = results.some((r) => r.corrupt.length > 0 || r.leftovers.length > 0) ? 1 : 0;
})().catch((error) => {
  console.error(error);
  process.exitCode = 2;
});

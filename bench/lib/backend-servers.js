'use strict';
// MinIO and the FerretDB launcher from the test cache (built by the e2e test support), started on free loopback
// ports through the launchers the e2e specs use, their data under BENCH_TMPDIR and their processes tracked.
const launchers = require('../../test/support/test-servers');
const { tempDir, trackProcess } = require('./cleanup');
const { NotAvailable } = require('./report');

function cachedBinary(name) {
  const bin = launchers.cachedBinary(name);
  if (!bin) throw new NotAvailable(`${name} not built in ${launchers.testCacheDir()}/bin (the e2e test support builds it: npm run test:e2e)`);
  return bin;
}

/** MinIO with a fresh data directory; resolves when /minio/health/ready answers. */
function startMinio() {
  return launchers.startMinio(cachedBinary('minio'), { dir: tempDir('minio'), timeoutMs: 60_000, onSpawn: trackProcess });
}

/** The FerretDB launcher (MongoDB wire protocol over SQLite); resolves when a ping answers. */
function startFerretDb() {
  return launchers.startFerretDb(cachedBinary('ferretdb-launcher'), { dir: tempDir('ferretdb'), timeoutMs: 30_000, onSpawn: trackProcess });
}

module.exports = { startMinio, startFerretDb };

'use strict';
// MinIO and the FerretDB launcher from the test cache (built by the e2e test support), started on free loopback
// ports through the launchers the e2e specs use, their data under BENCH_TMPDIR and their processes tracked; one
// that cannot be had or would not start makes its rows N/A.
const launchers = require('../../test/support/test-servers');
const { tempDir, trackProcess } = require('./cleanup');
const { NotAvailable } = require('./report');

function cachedBinary(name) {
  const bin = launchers.cachedBinary(name);
  if (!bin)
    throw new NotAvailable(`${name} not built in ${launchers.testCacheDir()}/bin (the e2e test support builds it: npm run test:e2e)`);
  return bin;
}

/** Infrastructure that would not start is reported N/A with its reason, not as a harness error. */
async function infra(what, start) {
  try {
    return await start();
  } catch (err) {
    if (err instanceof NotAvailable) throw err;
    throw new NotAvailable(`${what}: ${err.message}`);
  }
}

/** MinIO with a fresh data directory; resolves when /minio/health/ready answers. */
function startMinio() {
  return infra('MinIO', () =>
    launchers.startMinio(cachedBinary('minio'), { dir: tempDir('minio'), timeoutMs: 60_000, onSpawn: trackProcess }),
  );
}

/** The FerretDB launcher (MongoDB wire protocol over SQLite); resolves when a ping answers. */
function startFerretDb() {
  const bin = () => cachedBinary('ferretdb-launcher');
  return infra('FerretDB', () => launchers.startFerretDb(bin(), { dir: tempDir('ferretdb'), timeoutMs: 30_000, onSpawn: trackProcess }));
}

/** The environment of a Hoard server storing its blobs in `bucket` on `minio` (created at start). */
function hoardS3Env(minio, bucket) {
  return {
    HOARD_STORAGE: 's3',
    S3_ENDPOINT: minio.endpoint,
    S3_BUCKET: bucket,
    S3_FORCE_PATH_STYLE: 'true',
    S3_CREATE_BUCKET: 'true',
    S3_REGION: minio.region,
    AWS_ACCESS_KEY_ID: minio.accessKey,
    AWS_SECRET_ACCESS_KEY: minio.secretKey,
  };
}

module.exports = { startMinio, startFerretDb, hoardS3Env };

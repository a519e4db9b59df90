'use strict';
// Issue 4: PUT of the large blob through the S3 driver beside a direct lib-storage upload to the same MinIO,
// and batch recording on the MongoDB adapter (FerretDB) beside the SQLite figure, all in the same run.
const { createReadStream, existsSync } = require('node:fs');
const path = require('node:path');
const { hoardS3Env, startFerretDb, startMinio } = require('./lib/backend-servers');
const { tempDir, removeDir } = require('./lib/cleanup');
const { writeRandomFile } = require('./lib/data-gen');
const { putFile } = require('./lib/http-client');
const { buildRoot } = require('./lib/build-copy');
const { startHoardServer } = require('./lib/hoard-server');
const { log, bytes, MiB } = require('./lib/log');
const { runTimed } = require('./lib/proc');
const { addRow, NotAvailable, ProductFailure } = require('./lib/report');
const { RssSampler } = require('./lib/rss-sampler');
const { measure } = require('./lib/step');
const { measureBatch } = require('./lib/api-load');

const G = 'backends';
const mbps = (size, seconds) => size / MiB / seconds;

/** Throws NotAvailable until the adapter's module is in the build. */
function requireBuilt(relative, what) {
  if (!existsSync(path.join(buildRoot(), 'dist', relative))) throw new NotAvailable(`${what} is not in the build yet (dist/${relative})`);
}

async function s3Put(scale, work) {
  requireBuilt('libs/storage/src/s3/index.js', 'the S3 blob driver');
  // The SDK's notice about future Node versions would land in the middle of the progress lines.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { S3Client, CreateBucketCommand, DeleteObjectCommand } = require('@aws-sdk/client-s3');
  const { Upload } = require('@aws-sdk/lib-storage');
  const minio = await startMinio();
  try {
    const size = scale.blobBytes;
    log(G, `writing a ${bytes(size)} random file`);
    const file = path.join(work, 'blob.bin');
    const sha = await writeRandomFile(file, size, 'backends-blob');
    const credentials = { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey };
    const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials });
    await s3.send(new CreateBucketCommand({ Bucket: 'bench-direct' }));
    const env = hoardS3Env(minio, 'bench-hoard');
    let bestDirect = Infinity;
    let bestHoard = Infinity;
    let peak = 0;
    for (let i = 1; i <= scale.repeats; i++) {
      await runTimed('sync', []);
      const started = process.hrtime.bigint();
      const body = createReadStream(file, { highWaterMark: MiB });
      await new Upload({ client: s3, params: { Bucket: 'bench-direct', Key: `direct-${i}`, Body: body } }).done();
      const direct = Number(process.hrtime.bigint() - started) / 1e9;
      await s3.send(new DeleteObjectCommand({ Bucket: 'bench-direct', Key: `direct-${i}` }));
      bestDirect = Math.min(bestDirect, direct);

      const prefix = `round-${i}/`;
      const server = await startHoardServer({ env: { ...env, S3_PREFIX: prefix }, label: 's3' });
      try {
        await runTimed('sync', []);
        const sampler = new RssSampler(server.pid);
        const res = await putFile(`${server.url}/api/v1/blobs/${sha}`, file, { 'x-api-key': server.adminKey }).finally(() =>
          sampler.stop(),
        );
        if (res.status !== 201) throw new ProductFailure(`PUT to the S3 driver answered ${res.status}: ${res.text.slice(0, 200)}`);
        bestHoard = Math.min(bestHoard, res.seconds);
        peak = Math.max(peak, sampler.peak);
        log(
          G,
          `S3 round ${i}/${scale.repeats}: hoard ${mbps(size, res.seconds).toFixed(0)} MiB/s (peak RSS ${(sampler.peak / MiB).toFixed(0)} MiB), lib-storage ${mbps(size, direct).toFixed(0)} MiB/s`,
        );
      } finally {
        await server.stop();
      }
      await s3.send(new DeleteObjectCommand({ Bucket: 'bench-hoard', Key: `${prefix}${sha.slice(0, 2)}/${sha}` }));
    }
    const ratio = bestDirect / bestHoard;
    addRow({
      group: G,
      name: `S3 PUT ${bytes(size)} throughput`,
      value: mbps(size, bestHoard),
      unit: 'MiB/s',
      ref: { label: 'lib-storage Upload to MinIO', value: mbps(size, bestDirect) },
      ratio,
      bar: { text: '>= 0.60x', pass: ratio >= 0.6 },
      note: `best of ${scale.repeats}; Upload with its default part size and queue`,
    });
    addRow({
      group: G,
      name: 'S3 PUT server peak RSS',
      value: peak / MiB,
      unit: 'MiB',
      bar: { text: '< 300 MiB', pass: peak < 300 * MiB },
      note: 'VmRSS sampled every 100 ms; highest of all rounds',
    });
    s3.destroy();
  } finally {
    await minio.stop();
  }
}

async function mongoBatch(scale) {
  requireBuilt('libs/metadata/src/mongodb/index.js', 'the MongoDB metadata adapter');
  const ferret = await startFerretDb();
  try {
    log(G, `files/batch on SQLite: ${scale.batchCount} batches of ${scale.batchRecords}`);
    const sqliteServer = await startHoardServer({ label: 'sqlite' });
    const sqlite = await measureBatch(sqliteServer, scale.batchRecords, scale.batchCount).finally(() => sqliteServer.stop());
    log(G, `files/batch on MongoDB (FerretDB): ${scale.batchCount} batches of ${scale.batchRecords}`);
    const env = { HOARD_METADATA: 'mongodb', MONGODB_URI: ferret.uri, MONGODB_DB: 'hoard_bench' };
    const mongoServer = await startHoardServer({ env, label: 'mongo' });
    const mongo = await measureBatch(mongoServer, scale.batchRecords, scale.batchCount).finally(() => mongoServer.stop());
    addRow({
      group: G,
      name: `files/batch on MongoDB (${scale.batchRecords} records)`,
      value: mongo.perSecond,
      unit: 'records/s',
      ref: { label: 'SQLite, same run', value: sqlite.perSecond },
      ratio: mongo.perSecond / sqlite.perSecond,
      note: `FerretDB (SQLite handler); ${scale.batchCount} sequential batches of distinct paths after one warm-up`,
    });
  } finally {
    await ferret.stop();
  }
}

async function run(scale) {
  const work = tempDir('backends');
  try {
    await measure(G, [`S3 PUT ${bytes(scale.blobBytes)} throughput`, 'S3 PUT server peak RSS'], () => s3Put(scale, work));
    await measure(G, [`files/batch on MongoDB (${scale.batchRecords} records)`], () => mongoBatch(scale));
  } finally {
    removeDir(work);
  }
}

module.exports = { run };

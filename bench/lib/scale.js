'use strict';
// Sizes of every scenario. BENCH_SCALE=full (default) uses the sizes the issues name; small finishes in minutes.
const MiB = 1024 * 1024;

const SCALES = {
  full: {
    blobBytes: 2048 * MiB, // PUT/GET blob (issue 2) and the S3 PUT (issue 4)
    repeats: 5, // timed rounds per throughput figure, best taken (BENCH_REPEATS overrides)
    missingDigests: 10_000,
    missingRepeats: 5,
    batchRecords: 1_000,
    batchCount: 20,
    coldTreeFiles: 10_000, // cold scan vs restic (issue 3)
    coldRepeats: 2,
    maxFileBytes: 8 * MiB,
    hashFiles: 4, // large files hashed by the CLI's pool vs two openssl processes
    hashFileBytes: 512 * MiB,
    warmTreeFiles: 100_000, // second scan vs find, requests, CLI RSS
    warmRepeats: 3,
    packTreeFiles: 100_000, // distinct 0-4 KiB files, cold scan vs restic, local and on MinIO (issue 15)
    concurrentPuts: 1_000, // 2 KiB blobs PUT all at once (issue 15)
    concurrentPutBytes: 2048,
    scrubBlobs: 128, // loose blobs of scrubBlobBytes scrubbed vs two openssl processes (issue 16): 4 GiB
    scrubBlobBytes: 32 * MiB,
    scrubPackedBlobs: 100_000, // distinct 0-4 KiB blobs in packs, scrubbed
    gcBlobs: 100_000, // loose blobs in the store GC runs on, of which gcUnreferenced have no record
    gcUnreferenced: 50_000,
    pruneVersions: 1_000_000, // versions recorded, pruneVersionsPerPath per path, pruned down to 1 per path
    pruneVersionsPerPath: 10,
  },
  small: {
    blobBytes: 256 * MiB,
    repeats: 3,
    missingDigests: 10_000,
    missingRepeats: 5,
    batchRecords: 1_000,
    batchCount: 10,
    coldTreeFiles: 1_000,
    coldRepeats: 1,
    maxFileBytes: 8 * MiB,
    hashFiles: 2,
    hashFileBytes: 128 * MiB,
    warmTreeFiles: 10_000,
    warmRepeats: 3,
    packTreeFiles: 5_000,
    concurrentPuts: 1_000,
    concurrentPutBytes: 2048,
    scrubBlobs: 8,
    scrubBlobBytes: 32 * MiB,
    scrubPackedBlobs: 10_000,
    gcBlobs: 10_000,
    gcUnreferenced: 5_000,
    pruneVersions: 100_000,
    pruneVersionsPerPath: 10,
  },
};

/** The selected scale; BENCH_SCALE picks it, unknown names are a usage error. */
function selectScale() {
  const name = process.env.BENCH_SCALE || 'full';
  const scale = SCALES[name];
  if (!scale) throw new Error(`BENCH_SCALE must be one of ${Object.keys(SCALES).join(', ')} (got "${name}")`);
  const repeats = process.env.BENCH_REPEATS ? Number(process.env.BENCH_REPEATS) : scale.repeats;
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new Error(`BENCH_REPEATS must be a positive integer (got "${process.env.BENCH_REPEATS}")`);
  return { name, ...scale, repeats };
}

module.exports = { selectScale };

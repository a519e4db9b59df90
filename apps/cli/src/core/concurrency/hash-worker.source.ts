/**
 * Source of the hashing worker, run with `new Worker(source, { eval: true })` so that the same code serves the
 * build and the unit specs. One file at a time per worker, read with large synchronous reads into a reused buffer;
 * the file's size and mtime are checked before and after reading so a file changed mid-read is not mis-hashed.
 */
export const HASH_WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;
parentPort.on('message', (job) => {
  let fd = -1;
  try {
    fd = fs.openSync(job.path, job.noFollow ? flags | fs.constants.O_NOFOLLOW : flags);
    const before = fs.fstatSync(fd, { bigint: true });
    if (!before.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    const hash = createHash('sha256');
    let total = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(n === buffer.length ? buffer : buffer.subarray(0, n));
      total += n;
    }
    const after = fs.fstatSync(fd, { bigint: true });
    const changed = BigInt(total) !== before.size || after.size !== before.size || after.mtimeNs !== before.mtimeNs ||
      (job.size !== undefined && (before.size !== BigInt(job.size) || before.mtimeNs !== BigInt(job.mtimeNs)));
    parentPort.postMessage({ id: job.id, sha256: hash.digest('hex'), bytes: total, changed });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: { code: err.code || 'EIO', message: err.message } });
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
});
`;

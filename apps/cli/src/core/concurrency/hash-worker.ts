import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isMainThread, parentPort } from 'node:worker_threads';

/** A file to hash, as the pool posts it: its expected size and mtime (decimal text) when the scan stat()ed it. */
export interface HashJobMessage {
  id: number;
  path: string;
  noFollow: boolean;
  size?: string;
  mtimeNs?: string;
}

/** The worker's answer: the digest of what it read, or why it could not read the file. */
export type HashAnswer =
  | { id: number; sha256: string; bytes: number; changed: boolean; error?: undefined }
  | { id: number; error: { code: string; message: string } };

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;
/** One read buffer per worker, reused from file to file. */
let buffer: Buffer | null = null;

/**
 * Hashes one file with large synchronous reads. Its size and mtime are checked before and after reading (and
 * against what the scan saw, when given), so that a file changed mid-read is reported `changed`, not mis-hashed.
 */
function hashFile(job: HashJobMessage): HashAnswer {
  let fd = -1;
  try {
    fd = openSync(job.path, job.noFollow ? FLAGS | constants.O_NOFOLLOW : FLAGS);
    const before = fstatSync(fd, { bigint: true });
    if (!before.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    const hash = createHash('sha256');
    const buf = (buffer ??= Buffer.allocUnsafe(4 * 1024 * 1024));
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(n === buf.length ? buf : buf.subarray(0, n));
      total += n;
    }
    const after = fstatSync(fd, { bigint: true });
    const changed =
      BigInt(total) !== before.size ||
      after.size !== before.size ||
      after.mtimeNs !== before.mtimeNs ||
      (job.size !== undefined && (before.size !== BigInt(job.size) || before.mtimeNs !== BigInt(job.mtimeNs!)));
    return { id: job.id, sha256: hash.digest('hex'), bytes: total, changed };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { id: job.id, error: { code: e.code || 'EIO', message: e.message } };
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  // One answer per message: a message is a group of files (one, or several small ones), hashed in order.
  port.on('message', (jobs: HashJobMessage[]) => port.postMessage(jobs.map(hashFile)));
}
